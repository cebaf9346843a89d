"""Signing generated PDFs with the agency's certificate, and verifying signed PDFs.

Two sources of key material (docs/forms.md, "Signing"):

* **a real certificate**: a PKCS#12 file named by ``MOTCUA_SIGNING_PKCS12`` (passphrase in
  ``MOTCUA_SIGNING_PASSPHRASE``). Every document is signed with it;
* **development certificates** when no real one is configured: on first use a development root
  CA is generated under ``MOTCUA_SIGNING_DIR`` (``DATA_DIR/signing/``), and one certificate per
  agency, issued by that root, whose subject carries the agency's name (CN, O) and code
  (organizationIdentifier). They say in their subject that they have no legal value.

Signatures are PAdES baseline B-B (``ETSI.CAdES.detached``, SHA-256) certification signatures
that allow no later change. :func:`verify_pdf` never raises: any input, however broken, gets an
answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner

    from motcua.org.models import Agency

__all__ = [
    "SignedPdf",
    "SigningUnavailable",
    "VerificationResult",
    "sign_pdf",
    "verify_pdf",
]

ROOT_CERT = "dev-root-ca.pem"
ROOT_KEY = "dev-root-ca.key.pem"
DEV_MARK = "Chứng thư phát triển - không có giá trị pháp lý"
ROOT_NAME = "motcua - CA phát triển (development CA, not for real use)"
SIGNATURE_FIELD = "ChuKyCoQuan"
_SAFE = re.compile(r"[^0-9A-Za-z.\-]")


class SigningUnavailable(Exception):  # noqa: N818 - reads as a state, like Django's Http404
    """The signing key cannot be used (a missing or unreadable certificate)."""


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    signer_subject: str
    development: bool


# ----------------------------------------------------------------------------- key material
def _signing_dir() -> Path:
    path = Path(settings.MOTCUA_SIGNING_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` across processes (first-use generation)."""
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.replace(path)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _ensure_root(directory: Path) -> tuple[pyca_x509.Certificate, rsa.RSAPrivateKey]:
    cert_path, key_path = directory / ROOT_CERT, directory / ROOT_KEY
    if cert_path.exists() and key_path.exists():
        cert = pyca_x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningUnavailable(f"{key_path} is not an RSA key")
        return cert, key
    key = _new_key()
    name = pyca_x509.Name(
        [
            pyca_x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            pyca_x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua"),
            pyca_x509.NameAttribute(NameOID.COMMON_NAME, ROOT_NAME),
        ]
    )
    now = _now()
    cert = (
        pyca_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(pyca_x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(pyca_x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            pyca_x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            pyca_x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _agency_files(directory: Path, code: str) -> tuple[Path, Path]:
    safe = _SAFE.sub("_", code)
    return directory / f"agency-{safe}.pem", directory / f"agency-{safe}.key.pem"


def _ensure_agency(directory: Path, agency: Agency) -> tuple[Path, Path]:
    cert_path, key_path = _agency_files(directory, agency.code)
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    root_cert, root_key = _ensure_root(directory)
    key = _new_key()
    subject = pyca_x509.Name(
        [
            pyca_x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            pyca_x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name[:64]),
            pyca_x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, agency.code),
            pyca_x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_MARK),
            pyca_x509.NameAttribute(NameOID.COMMON_NAME, agency.name[:64]),
        ]
    )
    now = _now()
    cert = (
        pyca_x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(pyca_x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(pyca_x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            pyca_x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            pyca_x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            pyca_x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _load_cert(path: str | Path) -> Any:
    """An asn1crypto certificate (what pyHanko works with) from a PEM or DER file."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    data = Path(path).read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def development_root_path() -> Path | None:
    """The development root certificate, when one was generated."""
    path = Path(settings.MOTCUA_SIGNING_DIR) / ROOT_CERT
    return path if path.exists() else None


def _real_signer() -> SimpleSigner:
    from pyhanko.sign.signers import SimpleSigner

    path = Path(str(settings.MOTCUA_SIGNING_PKCS12))
    passphrase = settings.MOTCUA_SIGNING_PASSPHRASE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningUnavailable(f"cannot read MOTCUA_SIGNING_PKCS12 ({path}): {exc}") from exc
    try:
        signer = SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=passphrase.encode() if passphrase else None
        )
    except ValueError as exc:
        raise SigningUnavailable(
            f"cannot open MOTCUA_SIGNING_PKCS12 ({path}): wrong passphrase or not PKCS#12"
        ) from exc
    signer.embed_roots = False
    return cast("SimpleSigner", signer)


def _development_signer(agency: Agency) -> SimpleSigner:
    from pyhanko.keys import load_private_key_from_pemder
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    directory = _signing_dir()
    with _locked(directory):
        cert_path, key_path = _ensure_agency(directory, agency)
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    registry.register(_load_cert(directory / ROOT_CERT))
    return SimpleSigner(
        signing_cert=_load_cert(cert_path),
        signing_key=load_private_key_from_pemder(str(key_path), passphrase=None),
        cert_registry=registry,
        embed_roots=False,
    )


def signer_for(agency: Agency) -> tuple[SimpleSigner, bool]:
    """The signer of ``agency``'s documents, and whether it is a development certificate."""
    if settings.MOTCUA_SIGNING_PKCS12:
        return _real_signer(), False
    return _development_signer(agency), True


# ----------------------------------------------------------------------------- signing
_T = TypeVar("_T")


def _outside_event_loop(fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Call one of pyHanko's synchronous functions.

    They run their coroutine with ``asyncio.run``, which fails in a thread whose event loop is
    running (an ASGI server, Playwright's sync API in the browser tests): there the call goes
    to a short-lived worker thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign_pdf(data: bytes, *, agency: Agency, reason: str, location: str) -> SignedPdf:
    """Sign ``data`` (a PDF) for ``agency``: a PAdES certification signature, no change allowed."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm

    signer, development = signer_for(agency)
    cert = signer.signing_cert
    subject = cert.subject.human_friendly if cert is not None else ""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(BytesIO(data))
    out = _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer)
    return SignedPdf(data=out.getvalue(), signer_subject=subject, development=development)


# ----------------------------------------------------------------------------- verification
REASONS: dict[str, Promise] = {
    "ok": _("The document is intact and signed by a trusted certificate."),
    "untrusted": _(
        "The document is intact, but the certificate that signed it is not one this system trusts."
    ),
    "not_pdf": _("This file is not a PDF document."),
    "empty": _("The file is empty."),
    "damaged": _("The PDF file is damaged or cannot be read; it cannot be verified."),
    "unsigned": _("The document carries no digital signature."),
    "modified": _("The document was changed after it was signed."),
    "not_whole_file": _("The signature does not cover the whole file: content was added later."),
    "invalid_signature": _(
        "The signature is not valid: the document or the signature was altered."
    ),
}


@dataclass(frozen=True)
class VerificationResult:
    """What the verification page says about a PDF."""

    intact: bool
    signed_by: str | None
    signed_at: dt.datetime | None
    trusted: bool
    reason: str  # a key of REASONS
    development: bool = False
    signatures: int = 0
    sha256: str = ""

    @property
    def message(self) -> Promise:
        return REASONS[self.reason]

    @property
    def verified(self) -> bool:
        return self.intact and self.trusted


def _trust_roots() -> list[Any]:
    roots = []
    dev = development_root_path()
    if dev is not None:
        roots.append(_load_cert(dev))
    for name in settings.MOTCUA_SIGNING_TRUST_ROOTS:
        with contextlib.suppress(OSError, ValueError):
            roots.append(_load_cert(name))
    return roots


def _der_header(blob: bytes, offset: int) -> tuple[int, int, int]:
    """``(tag, header length, content length)`` of the DER element at ``offset``."""
    if offset + 2 > len(blob):
        raise ValueError("truncated")
    tag, first = blob[offset], blob[offset + 1]
    if tag & 0x1F == 0x1F:
        raise ValueError("high tag number")
    if first < 0x80:
        return tag, 2, first
    count = first & 0x7F
    if not 1 <= count <= 4:
        raise ValueError("bad length")
    length = int.from_bytes(blob[offset + 2 : offset + 2 + count], "big")
    return tag, 2 + count, length


def _der_length(blob: bytes) -> int:
    """Length of the DER element at the start of ``blob``."""
    _, header, length = _der_header(blob, 0)
    return header + length


def _strict_der(blob: bytes, start: int, end: int) -> bool:
    """Every element between ``start`` and ``end`` is well-formed DER: constructed elements are
    exactly filled by their children and no element has tag 0 (which never occurs in DER, but
    is what a length stretched over the zero padding would swallow)."""
    offset = start
    while offset < end:
        try:
            tag, header, length = _der_header(blob, offset)
        except ValueError:
            return False
        body, after = offset + header, offset + header + length
        if tag == 0 or after > end:
            return False
        if tag & 0x20 and not _strict_der(blob, body, after):
            return False
        offset = after
    return offset == end


def _contents_exact(data: bytes, byte_range: list[int], contents: bytes) -> bool:
    """The bytes the signature does not cover are exactly ``<hex of the signature>`` (in one
    letter case) followed by zero padding, and the signature is strict DER: a change there, even
    a space or a letter's case in the padding, is a change to the file."""
    if len(byte_range) != 4:
        return False
    gap = data[byte_range[0] + byte_range[1] : byte_range[2]]
    digits = contents.hex().encode("ascii")
    if gap not in (b"<" + digits + b">", b"<" + digits.upper() + b">"):
        return False
    try:
        used = _der_length(contents)
    except ValueError:
        return False
    return used <= len(contents) and not any(contents[used:]) and _strict_der(contents, 0, used)


def _plain_parameters(algorithm: Any) -> bool:
    """Algorithm parameters as a signer writes them: absent or NULL (RSASSA-PSS has its own)."""
    if algorithm["algorithm"].native == "rsassa_pss":
        return True
    return algorithm["parameters"].dump() in (b"", b"\x05\x00")


def _issued_here(cert: Any) -> bool:
    """Was ``cert`` one motcua signs with: a development certificate of this installation, or
    the configured real certificate?"""
    dev = development_root_path()
    if dev is not None and cert.issuer.dump() == _load_cert(dev).subject.dump():
        return True
    if settings.MOTCUA_SIGNING_PKCS12:
        try:
            own = _real_signer().signing_cert
        except SigningUnavailable:
            return False
        return own is not None and own.dump() == cert.dump()
    return False


def _canonical_envelope(embedded: Any) -> bool:
    """The parts of the CMS envelope that no signature covers hold the only values a signer
    writes: versions that follow the signer identifier (RFC 5652 §5.1, §5.3), the digest
    algorithm list equal to the signer's, detached ``data`` content, plain algorithm
    parameters, a signer identifier naming the signing certificate byte for byte, and (on
    documents motcua signed) the signature algorithm motcua writes. A one-byte change there is
    a change to the file even when the signature still verifies."""
    try:
        signed_data = embedded.signed_data
        infos = list(signed_data["signer_infos"])
        if len(infos) != 1:
            return False
        info = infos[0]
        sid = info["sid"]
        by_serial = sid.name == "issuer_and_serial_number"
        if info["version"].native != ("v1" if by_serial else "v3"):
            return False
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "data" or encap["content"].dump() != b"":
            return False
        has_attr_certs = any(c.name != "certificate" for c in (signed_data["certificates"] or []))
        expected = "v4" if has_attr_certs else ("v1" if by_serial else "v3")
        if signed_data["version"].native != expected:
            return False
        digests = list(signed_data["digest_algorithms"])
        if [d.dump() for d in digests] != [info["digest_algorithm"].dump()]:
            return False
        if not all(
            _plain_parameters(a)
            for a in (info["digest_algorithm"], info["signature_algorithm"], *digests)
        ):
            return False
        cert = embedded.signer_cert
        bare_rsa = info["signature_algorithm"]["algorithm"].native == "rsassa_pkcs1v15"
        if bare_rsa and _issued_here(cert):
            # pyHanko writes the combined identifier (sha256WithRSAEncryption); the bare
            # rsaEncryption one verifies too, so on our own documents it means a change
            return False
        if by_serial:
            chosen = sid.chosen
            return bool(
                chosen["issuer"].dump() == cert.issuer.dump()
                and chosen["serial_number"].native == cert.serial_number
            )
        return bool(sid.chosen.native == cert.key_identifier)
    except Exception:  # noqa: BLE001 - an envelope we cannot read is not canonical
        return False


def _signer_name(cert: Any) -> str | None:
    """``common name (organisation identifier)`` of the signing certificate."""
    if cert is None:
        return None
    try:
        native = cert.subject.native
        name = native.get("common_name") or cert.subject.human_friendly
        code = native.get("organization_identifier") or native.get("2.5.4.97")
    except Exception:  # noqa: BLE001 - an odd subject still gets a readable name
        return str(cert.subject.human_friendly)
    if isinstance(name, list):
        name = ", ".join(str(n) for n in name)
    return f"{name} ({code})" if code else str(name)


def _result(reason: str, sha256: str, **kwargs: object) -> VerificationResult:
    values: dict[str, object] = {
        "intact": False,
        "signed_by": None,
        "signed_at": None,
        "trusted": False,
        "reason": reason,
        "sha256": sha256,
    }
    values.update(kwargs)
    return VerificationResult(**values)  # type: ignore[arg-type]


def verify_pdf(data: bytes) -> VerificationResult:
    """Is ``data`` an intact PDF, signed over its whole content, and by whom?

    ``intact`` means: the signature's digest matches, the signature is cryptographically valid,
    it covers the whole file (nothing appended later) and the unsigned gap holds exactly the
    signature. ``trusted`` means the certificate chains to a configured root (or to this
    installation's development root). Never raises.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        return _result("empty", sha256)
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        return _result("not_pdf", sha256)
    try:
        reader = PdfFileReader(BytesIO(data))
        signatures = list(reader.embedded_regular_signatures)
    except Exception:  # noqa: BLE001 - untrusted input: any parse failure is "damaged"
        return _result("damaged", sha256)
    if not signatures:
        return _result("unsigned", sha256)
    embedded = signatures[-1]
    count = len(signatures)
    try:
        context = ValidationContext(
            trust_roots=_trust_roots(),
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        status = _outside_event_loop(
            validate_pdf_signature, embedded, signer_validation_context=context
        )
    except Exception:  # noqa: BLE001 - never a 500 on bad input
        return _result("invalid_signature", sha256, signatures=count)
    signed_by = _signer_name(status.signing_cert)
    signed_at = status.signer_reported_dt
    byte_range = [int(v) for v in embedded.byte_range]
    exact = _contents_exact(data, byte_range, embedded.pkcs7_content) and _canonical_envelope(
        embedded
    )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    common = {"signed_by": signed_by, "signed_at": signed_at, "signatures": count}
    if not (status.intact and exact):
        return _result("modified", sha256, **common)
    if not status.valid:
        return _result("invalid_signature", sha256, **common)
    if not whole:
        return _result("not_whole_file", sha256, **common)
    dev_root = development_root_path()
    development = False
    if dev_root is not None and status.validation_path is not None:
        first = next(iter(status.validation_path.iter_certs(include_root=True)), None)
        development = first is not None and first.dump() == _load_cert(dev_root).dump()
    if not status.trusted:
        return _result("untrusted", sha256, intact=True, **common)
    return _result("ok", sha256, intact=True, trusted=True, development=development, **common)
