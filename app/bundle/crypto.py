"""Encrypted bundles: a key from a passphrase (scrypt) or for a recipient (X25519), sealed in chunks.

The file is MAGIC, a JSON header line, an HMAC-SHA256 of both (32 bytes), then the payload in chunks of
CHUNK bytes, each sealed with ChaCha20-Poly1305 under the nonce (chunk counter, 11 bytes big-endian; 1 on
the last chunk, else 0), so that a chunk moved, dropped or cut off, or a missing end, fails to open.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.bundle.records import BundleError
from app.i18n.translation import gettext

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

MAGIC = b"rectrack-bundle-encrypted\n"
CIPHER = "chacha20-poly1305"
CHUNK = 64 * 1024
TAG = 16
MAC = 32
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
# A header may ask for more work than this only to tie up the machine that opens it.
SCRYPT_LIMITS = {"n": 2**20, "r": 32, "p": 16}
MIN_PASSPHRASE = 12
MAX_HEADER = 4096
PASSPHRASE, RECIPIENT = "passphrase", "recipient"


@dataclass(frozen=True)
class Envelope:
    """The header line of an encrypted bundle with the keys derived for it."""

    header: bytes
    payload_key: bytes
    mac_key: bytes

    @property
    def preamble(self) -> bytes:
        """What precedes the chunks: MAGIC, the header line and its MAC."""
        signed = MAGIC + self.header
        return signed + hmac.digest(self.mac_key, signed, "sha256")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _subkeys(master: bytes, header: dict[str, Any]) -> Envelope:
    line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"
    return Envelope(line, _hkdf(master, b"rectrack bundle payload"), _hkdf(master, b"rectrack bundle header"))


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    data = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(data)


def for_passphrase(passphrase: str) -> Envelope:
    """A new envelope whose key is derived from a passphrase with scrypt and a random salt."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BundleError(
            gettext("the passphrase is too short: use %(count)s characters or more", count=MIN_PASSPHRASE)
        )
    salt = secrets.token_bytes(16)
    kdf = {"name": "scrypt", "salt": _b64(salt), **SCRYPT}
    return _subkeys(_scrypt(passphrase, salt, **SCRYPT), _header(kdf))


def for_recipient(recipient: X25519PublicKey) -> Envelope:
    """A new envelope only the holder of the recipient's private key opens (ephemeral X25519, HKDF)."""
    ephemeral = X25519PrivateKey.generate()
    mine, theirs = _raw(ephemeral.public_key()), _raw(recipient)
    master = _hkdf(ephemeral.exchange(recipient), b"rectrack bundle x25519", salt=mine + theirs)
    kdf = {"name": "x25519-hkdf-sha256", "ephemeral": _b64(mine), "recipient": fingerprint(recipient)}
    return _subkeys(master, _header(kdf))


def _header(kdf: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "cipher": CIPHER, "chunk_size": CHUNK, "kdf": kdf}


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: X25519PublicKey) -> str:
    """The SHA-256 of a public key's raw bytes, to tell keys apart."""
    return hashlib.sha256(_raw(key)).hexdigest()


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """Seals what is written in chunks; `close` seals the last one (marked last) and closes nothing else."""

    def __init__(self, sink: IO[bytes], envelope: Envelope) -> None:
        super().__init__()
        self._sink, self._aead = sink, ChaCha20Poly1305(envelope.payload_key)
        self._buffer = bytearray()
        self._counter = 0
        sink.write(envelope.preamble)

    def writable(self) -> bool:
        """Always."""
        return True

    def write(self, data: "ReadableBuffer") -> int:
        """Buffer the data; seal every full chunk that is surely not the last."""
        view = memoryview(data)
        self._buffer += view
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return view.nbytes

    def _seal(self, plain: bytes, *, last: bool) -> None:
        self._sink.write(self._aead.encrypt(_nonce(self._counter, last), plain, None))
        self._counter += 1

    def close(self) -> None:
        """Seal what is left as the last chunk (an empty one if the payload was empty)."""
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


def encryption_of(path: Path) -> str | None:
    """How a bundle file is encrypted: PASSPHRASE, RECIPIENT, or None when it is not."""
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            return None
        _, header = _read_header(handle)
    return PASSPHRASE if header["kdf"].get("name") == "scrypt" else RECIPIENT


def _read_header(source: IO[bytes]) -> tuple[bytes, dict[str, Any]]:
    line = source.readline(MAX_HEADER)
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or not isinstance(header.get("kdf"), dict):
        raise BundleError(gettext("the encryption header is damaged"))
    if header.get("version") != 1 or header.get("cipher") != CIPHER or header.get("chunk_size") != CHUNK:
        raise BundleError(gettext("this bundle is encrypted in a way this rectrack does not know"))
    return line, header


def open_sealed(source: IO[bytes], *, passphrase: str | None, identity: X25519PrivateKey | None) -> IO[bytes]:
    """The payload of an encrypted bundle (after MAGIC) as a stream that fails on any change or cut."""
    line, header = _read_header(source)
    master = _master(header["kdf"], passphrase, identity)
    envelope = Envelope(
        line, _hkdf(master, b"rectrack bundle payload"), _hkdf(master, b"rectrack bundle header")
    )
    if not hmac.compare_digest(source.read(MAC), envelope.preamble[-MAC:]):
        wrong = (
            gettext("the passphrase is wrong, or the bundle's header was changed")
            if passphrase is not None
            else gettext("the key does not open this bundle, or the bundle's header was changed")
        )
        raise BundleError(wrong)
    return io.BufferedReader(_DecryptingReader(source, envelope.payload_key), buffer_size=CHUNK)


def _master(kdf: dict[str, Any], passphrase: str | None, identity: X25519PrivateKey | None) -> bytes:
    try:
        if kdf.get("name") == "scrypt":
            if passphrase is None:
                raise BundleError(gettext("this bundle is encrypted with a passphrase: give one"))
            cost = {name: int(kdf[name]) for name in SCRYPT}
            if any(not 1 <= cost[name] <= SCRYPT_LIMITS[name] for name in SCRYPT):
                raise BundleError(gettext("the encryption header asks for more work than allowed"))
            return _scrypt(passphrase, base64.b64decode(kdf["salt"], validate=True), **cost)
        if kdf.get("name") == "x25519-hkdf-sha256":
            if identity is None:
                raise BundleError(gettext("this bundle is encrypted for a recipient's key: give --identity"))
            if kdf.get("recipient") != fingerprint(identity.public_key()):
                raise BundleError(gettext("this bundle was encrypted for another key"))
            ephemeral = base64.b64decode(kdf["ephemeral"], validate=True)
            shared = identity.exchange(X25519PublicKey.from_public_bytes(ephemeral))
            return _hkdf(shared, b"rectrack bundle x25519", salt=ephemeral + _raw(identity.public_key()))
    except (KeyError, TypeError, ValueError) as error:
        raise BundleError(gettext("the encryption header is damaged")) from error
    raise BundleError(gettext("this bundle is encrypted in a way this rectrack does not know"))


class _DecryptingReader(io.RawIOBase):
    """Opens chunk after chunk, reading one ahead to know which is the last."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        super().__init__()
        self._source, self._aead = source, ChaCha20Poly1305(key)
        self._ahead = self._read_chunk()
        self._plain = b""
        self._offset = 0
        self._counter = 0
        self._done = False

    def readable(self) -> bool:
        """Always."""
        return True

    def _read_chunk(self) -> bytes:
        data = bytearray()
        while len(data) < CHUNK + TAG and (more := self._source.read(CHUNK + TAG - len(data))):
            data += more
        return bytes(data)

    def readinto(self, buffer: "WriteableBuffer") -> int:
        """Fill the buffer from the opened chunks; 0 only after the last chunk opened."""
        view = memoryview(buffer).cast("B")
        while self._offset >= len(self._plain):
            if self._done:
                return 0
            self._open_next()
        size = min(len(view), len(self._plain) - self._offset)
        view[:size] = self._plain[self._offset : self._offset + size]
        self._offset += size
        return size

    def _open_next(self) -> None:
        sealed, self._ahead = self._ahead, self._read_chunk()
        last = not self._ahead
        try:
            self._plain = self._aead.decrypt(_nonce(self._counter, last), sealed, None)
        except InvalidTag:
            raise BundleError(
                gettext(
                    "chunk %(chunk)s does not decrypt: the file was changed or cut short",
                    chunk=self._counter + 1,
                )
            ) from None
        self._offset, self._done = 0, last
        self._counter += 1


def create_recipient(prefix: Path) -> tuple[Path, Path]:
    """A new X25519 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub; existing files are kept."""
    private, public = prefix.with_name(prefix.name + ".key"), prefix.with_name(prefix.name + ".pub")
    for path in (private, public):
        if path.exists():
            raise BundleError(gettext("%(path)s exists already: choose another name", path=path))
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def load_recipient(path: Path) -> X25519PublicKey:
    """A recipient's public key from its PEM file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise BundleError(
            gettext("%(path)s holds no public key: %(reason)s", path=path, reason=error)
        ) from None
    if not isinstance(key, X25519PublicKey):
        raise BundleError(gettext("%(path)s is not an X25519 public key", path=path))
    return key


def load_identity(path: Path) -> X25519PrivateKey:
    """A recipient's private key from its PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise BundleError(
            gettext("%(path)s holds no private key: %(reason)s", path=path, reason=error)
        ) from None
    if not isinstance(key, X25519PrivateKey):
        raise BundleError(gettext("%(path)s is not an X25519 private key", path=path))
    return key
