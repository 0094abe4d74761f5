"""What identifies an imported recommendation and its source, the same way for every format.

docs/design.md, "Importing sources": a row is found by its format's stable id, else by its code
(curated files), else by its match key: the state under review, the session, the recommending states and
the normalised text (the source's slug stands for the state and the session).
"""

import hashlib
import re
import unicodedata
from functools import lru_cache

from babel import Locale

from app.history.chain import canonical_json
from app.vocabulary import SourceKind

# Typographic quotes, dashes and spaces a spreadsheet or word processor puts in: one form each for matching.
_FOLDED = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

# UN names of states whose English short name in CLDR differs; the rest are found by their CLDR name.
_UN_NAMES = {
    "russian federation": "RU",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "iran (islamic republic of)": "IR",
    "republic of korea": "KR",
    "democratic people's republic of korea": "KP",
    "venezuela (bolivarian republic of)": "VE",
    "bolivia (plurinational state of)": "BO",
    "republic of moldova": "MD",
    "syrian arab republic": "SY",
    "lao people's democratic republic": "LA",
    "viet nam": "VN",
    "united republic of tanzania": "TZ",
    "czech republic": "CZ",
    "czechia": "CZ",
    "türkiye": "TR",
    "turkey": "TR",
    "holy see": "VA",
    "state of palestine": "PS",
    "côte d'ivoire": "CI",
    "cote d'ivoire": "CI",
    "north macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "brunei darussalam": "BN",
    "micronesia (federated states of)": "FM",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "cabo verde": "CV",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "myanmar": "MM",
    "kyrgyzstan": "KG",
}


def normalise_text(text: str) -> str:
    """A text as compared: NFKC, typographic quotes and dashes folded, case-folded, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLDED).casefold()
    return _SPACES.sub(" ", folded).strip()


def clean_text(text: str) -> str:
    """A text as stored: NFC, each line trimmed with its runs of spaces made one, empty lines dropped."""
    lines = [_SPACES.sub(" ", line).strip() for line in unicodedata.normalize("NFC", text).splitlines()]
    return "\n".join(line for line in lines if line)


def match_key(source_slug: str, recommending_states: tuple[str, ...], text: str) -> str:
    """SHA-256 over what identifies a recommendation in formats without an id (never the row's position).

    The source's slug stands for the state under review and the session (a UPR source is one of each), so
    two NGO reports asking the same of one state stay two recommendations.
    """
    document = {
        "source": source_slug,
        "recommending_states": sorted({recommending_state_slug(name) for name in recommending_states}),
        "text": normalise_text(text),
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


@lru_cache(maxsize=4096)
def recommending_state_slug(name: str) -> str:
    """The category slug of a recommending state: from its CLDR name when known, so 'Russian Federation'
    and 'Russia' are one state."""
    code = state_code(name)
    return slugify(_CLDR_NAMES[code] if code else name)


def _territory_codes() -> dict[str, str]:
    names = {name.casefold(): code for code, name in Locale("en").territories.items() if code.isalpha()}
    names.update(_UN_NAMES)
    return names


_CODES = _territory_codes()
_CLDR_NAMES: dict[str, str] = dict(Locale("en").territories)


@lru_cache(maxsize=4096)
def state_code(state: str) -> str | None:
    """A state's ISO 3166 alpha-2 code from its English or UN name ('Kazakhstan' -> 'KZ'), when known."""
    return _CODES.get(normalise_text(state))


def slugify(text: str, limit: int = 64) -> str:
    """Lower-case ASCII letters, digits and hyphens, e.g. 'CEDAW/C/KAZ/CO/5' -> 'cedaw-c-kaz-co-5'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", ascii_text).strip("-")[:limit].strip("-")


def state_slug(state: str) -> str:
    """The short form of a state in slugs: its ISO code in lower case, or its name slugified."""
    code = state_code(state)
    return code.lower() if code else slugify(state, 40)


def upr_cycle(session: int) -> int:
    """The UPR cycle of a Working Group session (1: sessions 1-12, 2: 13-26, 3: 27-40, 4: 41-54)."""
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14


def upr_source_slug(state: str, session: int) -> str:
    """The slug of a state's review at a UPR session, e.g. 'upr-kz-s20'."""
    return f"upr-{state_slug(state)}-s{session}"


def is_upr(kind: SourceKind) -> bool:
    """Whether a source kind is a UPR review (session, cycle and review date apply)."""
    return kind is SourceKind.upr_review
