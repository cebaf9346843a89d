"""Signing and verification: development certificates on first use, a real PKCS#12
certificate from settings, and a PDF changed by one byte failing verification."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from motcua.documents import signing
from motcua.documents.signing import sign_pdf, verify_pdf

CENTER = SimpleNamespace(code="H26.30", name="Trung tâm Phục vụ hành chính công thành phố Hà Nội")
DEPARTMENT = SimpleNamespace(code="H26.05", name="Sở Nông nghiệp và Môi trường thành phố Hà Nội")


def _plain_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(
        HTML(
            string="<html lang=vi><style>@page{size:A5}</style><p>Giấy tiếp nhận hồ sơ</p></html>"
        ).write_pdf()
    )


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return _plain_pdf()


@pytest.fixture
def signing_dir(settings, tmp_path: Path) -> Path:
    settings.MOTCUA_SIGNING_DIR = tmp_path / "signing"
    settings.MOTCUA_SIGNING_PKCS12 = None
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []
    return tmp_path / "signing"


def test_development_certificates_are_made_on_first_use(
    signing_dir: Path, plain_pdf: bytes
) -> None:
    assert not signing_dir.exists()
    signed = sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội")
    root = signing_dir / signing.ROOT_CERT
    key = signing_dir / signing.ROOT_KEY
    agency_cert = signing_dir / "agency-H26.30.pem"
    assert root.exists() and key.exists() and agency_cert.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert signed.development and "H26.30" in signed.signer_subject
    assert "Trung tâm Phục vụ hành chính công" in signed.signer_subject
    cert = x509.load_pem_x509_certificate(agency_cert.read_bytes())
    assert cert.issuer == x509.load_pem_x509_certificate(root.read_bytes()).subject
    root_bytes = root.read_bytes()
    # a second agency gets its own certificate from the same root
    other = sign_pdf(plain_pdf, agency=DEPARTMENT, reason="Thử", location="Hà Nội")
    assert root.read_bytes() == root_bytes and (signing_dir / "agency-H26.05.pem").exists()
    assert "H26.05" in other.signer_subject
    result = verify_pdf(other.data)
    assert result.verified and result.development
    assert result.signed_by == f"{DEPARTMENT.name} ({DEPARTMENT.code})"
    assert result.signed_at is not None and result.signed_at.tzinfo is not None


def _one_byte_variants(data: bytes, position: int) -> list[bytes]:
    out = []
    for replacement in (data[position] ^ 0x01, data[position] ^ 0x20, ord("0"), ord("1"), ord(" ")):
        if replacement != data[position]:
            mutated = bytearray(data)
            mutated[position] = replacement
            out.append(bytes(mutated))
    return out


def test_a_pdf_changed_by_one_byte_fails_verification(signing_dir: Path, plain_pdf: bytes) -> None:
    data = sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội").data
    assert verify_pdf(data).verified
    start = data.index(b"/Contents <") + len(b"/Contents ")
    end = data.index(b">", start)
    der_end = (
        start
        + 1
        + 2 * signing._der_length(bytes.fromhex(data[start + 1 : start + 9].decode()) + bytes(4096))
    )
    positions = set(range(0, len(data), max(1, len(data) // 150)))  # across the whole file
    positions |= set(range(start - 3, start + 40))  # the start of the signature
    positions |= set(range(der_end - 20, der_end + 20))  # the end of the signature value
    positions |= set(range(end - 20, end + 2))  # the zero padding and the closing bracket
    positions |= set(range(len(data) - 40, len(data)))  # the trailer
    # the one identifier with an equivalent: sha256WithRSAEncryption → rsaEncryption
    oid = data.index(b"2A864886F70D01010B", start)
    positions.add(oid + 17)
    for position in sorted(positions):
        for mutated in _one_byte_variants(data, position):
            result = verify_pdf(mutated)
            assert not result.intact and not result.verified, (position, result)
            assert result.reason != "ok"


def test_unsigned_damaged_and_foreign_files_get_an_answer(
    signing_dir: Path, plain_pdf: bytes
) -> None:
    assert verify_pdf(plain_pdf).reason == "unsigned"
    assert verify_pdf(b"").reason == "empty"
    assert verify_pdf("Xin chào".encode()).reason == "not_pdf"
    assert verify_pdf(b"%PDF-1.7\n garbage").reason == "damaged"
    signed = sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội").data
    assert verify_pdf(signed[: len(signed) // 2]).reason in {"damaged", "modified"}
    appended = signed + b"\n% a comment appended after signing\n"
    result = verify_pdf(appended)
    assert not result.verified and result.reason in {"not_whole_file", "damaged", "modified"}
    for result in (verify_pdf(plain_pdf), verify_pdf(b"")):
        assert str(result.message)


def _p12(tmp_path: Path, passphrase: bytes) -> tuple[Path, Path]:
    """A small real-looking chain: a root CA and an organisation certificate (PKCS#12)."""
    now = dt.datetime.now(tz=dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Root CA thử nghiệm")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Ba Đình"),
                    x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "H01.1"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    p12_path = tmp_path / "co-quan.p12"
    p12_path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"co-quan", key, cert, [ca], serialization.BestAvailableEncryption(passphrase)
        )
    )
    root_path = tmp_path / "root.pem"
    root_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return p12_path, root_path


def test_a_real_certificate_from_settings(settings, tmp_path: Path, plain_pdf: bytes) -> None:
    settings.MOTCUA_SIGNING_DIR = tmp_path / "signing"
    p12_path, root_path = _p12(tmp_path, b"mat-khau")
    settings.MOTCUA_SIGNING_PKCS12 = str(p12_path)
    settings.MOTCUA_SIGNING_PASSPHRASE = "mat-khau"
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []
    signed = sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội")
    assert not signed.development and "UBND phường Ba Đình" in signed.signer_subject
    assert not (tmp_path / "signing" / signing.ROOT_CERT).exists()  # no development root made
    untrusted = verify_pdf(signed.data)
    assert untrusted.intact and not untrusted.trusted and untrusted.reason == "untrusted"
    assert untrusted.signed_by == "UBND phường Ba Đình (H01.1)"
    settings.MOTCUA_SIGNING_TRUST_ROOTS = [str(root_path)]
    trusted = verify_pdf(signed.data)
    assert trusted.verified and not trusted.development


def test_a_wrong_passphrase_says_so(settings, tmp_path: Path, plain_pdf: bytes) -> None:
    p12_path, _ = _p12(tmp_path, b"mat-khau")
    settings.MOTCUA_SIGNING_PKCS12 = str(p12_path)
    settings.MOTCUA_SIGNING_PASSPHRASE = "sai"
    with pytest.raises(signing.SigningUnavailable, match="passphrase"):
        sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội")
    settings.MOTCUA_SIGNING_PKCS12 = str(tmp_path / "missing.p12")
    with pytest.raises(signing.SigningUnavailable, match="cannot read"):
        sign_pdf(plain_pdf, agency=CENTER, reason="Thử", location="Hà Nội")


def test_concurrent_first_use_makes_one_root_and_one_certificate(signing_dir: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        signers = list(pool.map(lambda _: signing.signer_for(CENTER)[0], range(4)))
    certs = {s.signing_cert.dump() for s in signers}
    assert len(certs) == 1
    assert sorted(p.name for p in signing_dir.glob("*.pem")) == [
        "agency-H26.30.key.pem",
        "agency-H26.30.pem",
        "dev-root-ca.key.pem",
        "dev-root-ca.pem",
    ]
