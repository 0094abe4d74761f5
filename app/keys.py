"""Keys kept in the data directory, never in the database: read, or created once with mode 0600."""

import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

if TYPE_CHECKING:
    from app.config import Settings

COOKIE_KEY_FILE = "cookie.key"
SIGNING_KEY_FILE = "signing.key"


class KeyProblem(RuntimeError):
    """A key is missing where it must exist, or is readable by others."""


def cookie_key_path(data_dir: Path) -> Path:
    """Where the key that signs web session cookies lives."""
    return data_dir / COOKIE_KEY_FILE


def _private_file(path: Path, *, strict: bool) -> bytes | None:
    """A key file's bytes; None when there is none. `strict`: a file others may read is refused."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if strict and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"{path} may be read by others: chmod 600 {path}")
    return path.read_bytes()


def read_key(path: Path, *, strict: bool) -> str | None:
    """The key in a file; None when there is none. `strict`: a key others may read is refused."""
    content = _private_file(path, strict=strict)
    if content is None:
        return None
    key = content.decode("ascii").strip()
    if len(key) < 32:
        raise KeyProblem(f"{path} holds no usable key (32 or more characters expected)")
    return key


def create_key(path: Path) -> bool:
    """Write a new random key to `path` (mode 0600, its folder 0700) unless one is there; True if created."""
    return _create_private_file(path, secrets.token_urlsafe(48) + "\n")


def signing_key_path(data_dir: Path, configured: Path | None = None) -> Path:
    """Where the Ed25519 key that signs checkpoints lives."""
    return configured or data_dir / SIGNING_KEY_FILE


def create_signing_key(path: Path) -> bool:
    """Write a new Ed25519 private key (PKCS#8 PEM, mode 0600) unless one is there; True if created."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _create_private_file(path, pem.decode("ascii"))


def read_signing_key(path: Path, *, strict: bool) -> Ed25519PrivateKey | None:
    """The checkpoint signing key in a file, or None. `strict`: a key others may read is refused."""
    content = _private_file(path, strict=strict)
    if content is None:
        return None
    try:
        key = serialization.load_pem_private_key(content, password=None)
    except ValueError as error:
        raise KeyProblem(f"{path} holds no usable PEM private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{path} holds a private key that is not Ed25519")
    return key


def _create_private_file(path: Path, content: str) -> bool:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        return False
    # Written whole to a private temporary file, then linked into place: link() fails if the key exists,
    # so two workers starting at once never overwrite each other, and no one ever reads a half-written key.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(content)
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


def checkpoint_signing_key(settings: "Settings") -> Ed25519PrivateKey | None:
    """The key that signs checkpoints; created when missing, except in production, where that is fatal."""
    path = signing_key_path(settings.data_dir, settings.signing_key_file)
    key = read_signing_key(path, strict=settings.production)
    if key is None:
        if settings.production:
            raise KeyProblem(f"No checkpoint signing key: create {path} with `rectrack keys create`.")
        create_signing_key(path)
        key = read_signing_key(path, strict=False)
    return key
