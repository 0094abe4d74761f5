"""Keys kept in the data directory, never in the database: read, or created once with mode 0600."""

import os
import secrets
import stat
import tempfile
from pathlib import Path

COOKIE_KEY_FILE = "cookie.key"


class KeyProblem(RuntimeError):
    """A key is missing where it must exist, or is readable by others."""


def cookie_key_path(data_dir: Path) -> Path:
    """Where the key that signs web session cookies lives."""
    return data_dir / COOKIE_KEY_FILE


def read_key(path: Path, *, strict: bool) -> str | None:
    """The key in a file; None when there is none. `strict`: a key others may read is refused."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if strict and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"{path} may be read by others: chmod 600 {path}")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise KeyProblem(f"{path} holds no usable key (32 or more characters expected)")
    return key


def create_key(path: Path) -> bool:
    """Write a new random key to `path` (mode 0600, its folder 0700) unless one is there; True if created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        return False
    # Written whole to a private temporary file, then linked into place: link() fails if the key exists,
    # so two workers starting at once never overwrite each other, and no one ever reads a half-written key.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def cookie_secret(configured: str | None, data_dir: Path, *, production: bool) -> str:
    """The secret that signs web sessions: configured, else the data directory's key file.

    Outside production a missing file is created; in production it is fatal, and so is a file others may read.
    """
    if configured:
        return configured
    path = cookie_key_path(data_dir)
    key = read_key(path, strict=production)
    if key is None:
        if production:
            raise KeyProblem(
                f"No cookie key: set RECTRACK_SECRET_KEY or create {path} with `rectrack keys create`."
            )
        create_key(path)
        key = read_key(path, strict=False)
    assert key is not None
    return key
