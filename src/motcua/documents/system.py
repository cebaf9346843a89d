"""The system libraries the PDF forms need, checked (and installed on Debian) at start-up.

WeasyPrint draws text with Pango (and subsets fonts with HarfBuzz); pip cannot install them.
``motcua up`` calls :func:`ensure_pdf_engine`: when a library is missing and the process may
use ``apt-get`` (root, or ``sudo`` without a password), the Debian packages are installed,
the same way ``scripts/test.sh`` installs chromium; otherwise it says what to install. The rest
of the site runs without them; only printing a form answers 503 until they are there.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

#: Debian package → the shared library WeasyPrint opens from it.
DEBIAN_PACKAGES: dict[str, str] = {
    "libpango-1.0-0": "libpango-1.0.so.0",
    "libpangoft2-1.0-0": "libpangoft2-1.0.so.0",
    "libharfbuzz-subset0": "libharfbuzz-subset.so.0",
}


def missing_libraries() -> list[str]:
    """The Debian packages whose library cannot be loaded here."""
    missing = []
    for package, soname in DEBIAN_PACKAGES.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def _apt_prefix() -> list[str] | None:
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo is not None:
        probe = subprocess.run(  # noqa: S603 - fixed arguments
            [sudo, "-n", "true"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return [sudo, "-n"]
    return None


def ensure_pdf_engine(*, install: bool = True) -> str | None:
    """Install the missing Debian packages when allowed; ``None`` when all is there, else one
    sentence (Vietnamese / English) saying what to install."""
    missing = missing_libraries()
    if not missing:
        return None
    prefix = _apt_prefix() if install else None
    if prefix is not None:
        apt = [*prefix, "apt-get"]
        subprocess.run([*apt, "update", "-qq"], check=False)  # noqa: S603 - fixed arguments
        subprocess.run(  # noqa: S603 - fixed arguments
            [*apt, "install", "-y", "-qq", *missing], check=False
        )
        missing = missing_libraries()
        if not missing:
            return None
    packages = " ".join(missing)
    return (
        f"chưa in được biểu mẫu PDF: thiếu thư viện hệ thống, hãy cài: apt-get install {packages}"
        f" / PDF forms cannot be printed yet: install apt-get install {packages}"
    )
