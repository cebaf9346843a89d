"""Typed helpers that read settings from the environment.

Each helper raises :class:`EnvError` with the variable's name and the rule it
broke, so a typo in a deployment shows one clear sentence instead of a traceback deep in Django.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class EnvError(ValueError):
    """An environment variable holds a value that motcua cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise EnvError(
        f"Biến môi trường {name} phải là true/false (nhận được {raw!r}) / "
        f"environment variable {name} must be true or false (got {raw!r})."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(
            f"Biến môi trường {name} phải là số nguyên (nhận được {raw!r}) / "
            f"environment variable {name} must be an integer (got {raw!r})."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default.resolve()


def read_or_create_secret(path: Path) -> str:
    """Return the secret key stored at ``path``, creating a random one (mode 0600) if missing.

    This gives a safe default in production: no shared, well-known key is ever used, and the
    key survives restarts so sessions stay valid.
    """
    import secrets

    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
