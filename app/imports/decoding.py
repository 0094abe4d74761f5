"""Bytes to text for imports: the encoding detected and named, binary files refused, never mojibake."""

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from app.i18n.translation import gettext as _
from app.imports.rows import UnreadableFile

# The encodings spreadsheets of this field arrive in besides UTF-8, most likely first.
CANDIDATES = ["cp1252", "mac_roman", "cp1251", "koi8_r", "iso8859_1", "utf_16"]
# Bytes no text file holds: NUL and most C0 controls (tab, line feed, carriage return, form feed are fine).
_CONTROL = set(range(0, 9)) | {11} | set(range(14, 27)) | set(range(28, 32))
# Punctuation word processors put in: in a rightly decoded file these are what most non-ASCII bytes are.
_TYPOGRAPHIC = set("\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u00ab\u00bb\u2022\u00a0")
# Signs a text may hold: no evidence either way (each is also what another encoding makes of some byte).
_SIGNS = set("\u20ac\u00a3\u00a5\u00a9\u00ae\u00b0\u00a7\u00d7\u00b1\u00bd\u00bc\u00be\u00b6\u00b7")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LETTERS = {"Lu", "Ll", "Lt", "Lo"}
# Letters that a rightly decoded Western text seldom holds, and mojibake often does (Mac Roman's "ö" read
# as Windows-1252 is "š"): no evidence for the reading that has them.
_RARE_LETTERS = set("\u0161\u017e\u0192\u00f0\u00fe\u00ff")
# What follows the apostrophe of an English possessive or contraction: "State’s", "don’t", "we’ll".
_CONTRACTION = re.compile(r"(?:s|t|d|m|ll|re|ve)\b")
# French and Italian elisions before an apostrophe: "d’Ivoire", "l’État", "qu’il", "dell’".
_ELISIONS = {"d", "l", "j", "m", "n", "s", "t", "c", "qu", "dell", "all", "nell", "sull"}
# Enough evidence to tell the single-byte encodings apart without reading a large file's every character.
_SCORED_CHARACTERS = 20_000
_SAMPLE_BYTES = 1 << 20


def decode_text(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in; UnreadableFile when it is empty or not text."""
    text, encoding = _decode(data)
    # A second byte order mark (a file saved twice with one) is no part of the text.
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UnreadableFile(_("The file is empty."))
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if data.startswith(codecs.BOM_UTF8):
        return _decoded(data[len(codecs.BOM_UTF8) :], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile(
                _("The file is not a text file (is it a spreadsheet saved in another format?).")
            ) from None
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
    detected = _candidate_name(best.encoding)
    if detected is None or detected == "utf_16":
        return str(best), best.encoding
    encoding = _most_plausible(data, detected)
    return data.decode(encoding), encoding


def _most_plausible(data: bytes, detected: str) -> str:
    """The single-byte encoding whose reading of the file looks most like text a person wrote.

    charset_normalizer judges by the language of the whole file, and a UPR export is ASCII but for a few
    names and typographic quotes: too little language for it to tell Windows-1252 from Mac Roman (or from
    Windows-1251, which shares the quotes and dashes), and a wrong guess is mojibake in every stored text
    ("StateÕs", "TŸrkiye", "CÙte díIvoire"). Mojibake has tell-tale shapes, so every candidate that
    decodes is scored on them (`plausibility`) and the best kept. Of candidates that tie and read the file
    alike, the likeliest encoding is named; of those that tie and read it differently, the detector's.
    """
    sample = _telling_lines(data)
    readings: dict[str, str] = {}
    for encoding in CANDIDATES:
        if encoding == "utf_16":
            continue
        try:
            readings[encoding] = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not readings:
        return detected
    scores = {encoding: plausibility(text) for encoding, text in readings.items()}
    best = max(scores.values())
    tied = [encoding for encoding, score in scores.items() if score == best]
    if len({readings[encoding] for encoding in tied}) == 1 or detected not in tied:
        return tied[0]
    return detected


def _telling_lines(data: bytes) -> bytes:
    """The lines that hold non-ASCII bytes, up to a budget: all that tells single-byte encodings apart.

    These encodings read each byte alone, so the lines read the same on their own as in the file; a large
    file is scored on them instead of being decoded whole once for every candidate.
    """
    if len(data) <= _SAMPLE_BYTES:
        return data
    lines: list[bytes] = []
    size = 0
    for line in data.splitlines():
        if not line.isascii():
            lines.append(line)
            size += len(line) + 1
            if size >= _SAMPLE_BYTES:
                break
    return b"\n".join(lines)


def plausibility(text: str) -> int:
    """How much a decoded text's non-ASCII characters look like writing rather than mojibake (higher: better).

    Rewarded: typographic quotes and dashes where they belong (an apostrophe in "State’s" or "d’Ivoire"),
    letters inside words of one script and case. Penalised: control characters (C1 codes are what Latin-1
    makes of Windows-1252's quotes); symbols other than a few common signs ("™", "¸" are Mac Roman's "ô",
    "¸" Windows-1252's "ü" read as Mac Roman); punctuation inside a word; a capital after a small letter
    ("StateÕs") or between a capital and a small letter ("TŸrkiye"); a small letter before a capital
    ("ìOn", Windows-1252's opening quote read as Mac Roman); letters of two scripts in one word ("Josй");
    runs of accented Latin letters ("Ïðèâåò", Cyrillic read as Windows-1252), rare in Latin-script languages.
    """
    score = 0
    for count, match in enumerate(_NON_ASCII.finditer(text)):
        if count >= _SCORED_CHARACTERS:
            break
        score += _character_score(text, match.start())
    return score


def _character_score(text: str, position: int) -> int:
    char = text[position]
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    if char in _TYPOGRAPHIC:
        return _punctuation_score(text, position, before, after)
    if unicodedata.category(char) in _LETTERS:
        return _letter_score(char, before, after)
    return 0 if char in _SIGNS else -3


def _punctuation_score(text: str, position: int, before: str, after: str) -> int:
    char = text[position]
    if not (before.isalpha() and after.isalpha()):
        return -1 if char == "\u2026" and after.isalpha() else 2
    if char == "\u2019":
        word_start = position
        while word_start and text[word_start - 1].isalpha():
            word_start -= 1
        elided = text[word_start:position].casefold() in _ELISIONS
        return 3 if elided or _CONTRACTION.match(text, position + 1) else 1
    return 0 if char in "\u2013\u2014" else -1


def _letter_score(char: str, before: str, after: str) -> int:
    script = _script(char)
    if (before.isalpha() and _script(before) != script) or (after.isalpha() and _script(after) != script):
        return -3
    if char.isupper() and (before.islower() or (before.isupper() and after.islower())):
        return -2
    if char.islower() and after.isupper():
        return -2
    if script == "LATIN" and before.isalpha() and not before.isascii():
        return -1
    return 0 if char in _RARE_LETTERS else 1


def _script(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ")[0]


def _candidate_name(encoding: str) -> str | None:
    """The entry of CANDIDATES that names the same codec as `encoding` (charset_normalizer's spelling)."""
    wanted = codecs.lookup(encoding).name
    return next((name for name in CANDIDATES if codecs.lookup(name).name == wanted), None)


def _decoded(data: bytes, codec: str, name: str) -> tuple[str, str]:
    if _looks_binary(data):
        raise UnreadableFile(_("The file is not a text file (is it a spreadsheet saved in another format?)."))
    return data.decode(codec), name


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    return any(byte in _CONTROL for byte in sample)
