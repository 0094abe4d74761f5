"""Bytes to text for imports: the encoding detected and named, binary files refused, never mojibake."""

import codecs

from charset_normalizer import from_bytes

from app.i18n.translation import gettext as _
from app.imports.rows import UnreadableFile

# The encodings spreadsheets of this field arrive in besides UTF-8, most likely first.
CANDIDATES = ["cp1252", "mac_roman", "cp1251", "koi8_r", "iso8859_1", "utf_16"]
# Bytes no text file holds: NUL and most C0 controls (tab, line feed, carriage return, form feed are fine).
_CONTROL = set(range(0, 9)) | {11} | set(range(14, 27)) | set(range(28, 32))


def decode_text(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in; UnreadableFile when it is empty or not text."""
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if data.startswith(codecs.BOM_UTF8):
        return _decoded(data[len(codecs.BOM_UTF8) :], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return _decoded(data, "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        raise UnreadableFile(_("The file is not a text file (is it a spreadsheet saved in another format?)."))
    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None:
        raise UnreadableFile(
            _("The file's encoding could not be recognised; save it as UTF-8 and try again.")
        )
    return str(best), best.encoding


def _decoded(data: bytes, codec: str, name: str) -> tuple[str, str]:
    if _looks_binary(data):
        raise UnreadableFile(_("The file is not a text file (is it a spreadsheet saved in another format?)."))
    return data.decode(codec), name


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    return any(byte in _CONTROL for byte in sample)
