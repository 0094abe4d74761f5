"""Which UN mechanism made a recommendation, and the source its rows belong to, the same for every format.

A UPR source is one (state, session) and is described alike whichever file brings it first, so a UPR Info
export and a UHRI export of one review meet in one source. Titles and publishers are data (stored in
English, like the seed's), not interface texts.
"""

import hashlib
import re
from datetime import date

from app.imports.identity import slugify, state_slug, upr_cycle, upr_source_slug
from app.imports.rows import SourceSpec
from app.vocabulary import SourceKind

UPR_PUBLISHER = "UN Human Rights Council, Working Group on the Universal Periodic Review"
SLUG_LIMIT = 64

# The treaty bodies by their abbreviation, with their names (and the older or longer ones files use).
TREATY_BODIES: dict[str, tuple[str, ...]] = {
    "CAT": ("Committee against Torture",),
    "CCPR": ("Human Rights Committee",),
    "CED": ("Committee on Enforced Disappearances",),
    "CEDAW": ("Committee on the Elimination of Discrimination against Women",),
    "CERD": ("Committee on the Elimination of Racial Discrimination",),
    "CESCR": ("Committee on Economic, Social and Cultural Rights",),
    "CMW": (
        "Committee on Migrant Workers",
        "Committee on the Protection of the Rights of All Migrant Workers and Members of Their Families",
    ),
    "CRC": ("Committee on the Rights of the Child",),
    "CRPD": ("Committee on the Rights of Persons with Disabilities",),
    "SPT": (
        "Subcommittee on Prevention of Torture",
        "Subcommittee on Prevention of Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment",
    ),
}
_TREATY_BY_NAME = {
    " ".join(name.casefold().split()): abbreviation
    for abbreviation, names in TREATY_BODIES.items()
    for name in names
}
_UPR_NAMES = {
    "upr",
    "universal periodic review",
    "working group on the universal periodic review",
    "working group on the upr",
    "upr working group",
    "human rights council working group on the universal periodic review",
}
_SPECIAL_PROCEDURE = re.compile(
    r"^(sr|ie|wg|special rapporteurs?|independent experts?|working group)\b", re.IGNORECASE
)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _folded(text: str) -> str:
    return " ".join(text.casefold().replace("\u2019", "'").split())


def is_upr_body(body: str) -> bool:
    """Whether a body names the Universal Periodic Review ('UPR', 'Universal Periodic Review')."""
    return _folded(body) in _UPR_NAMES


def treaty_body(body: str) -> str | None:
    """A treaty body's abbreviation from its abbreviation or name ('CRC-OPSC' -> 'CRC'); None for others."""
    folded = _folded(body)
    if folded in _TREATY_BY_NAME:
        return _TREATY_BY_NAME[folded]
    first = _FIRST_WORD.match(body.strip())
    if first and first.group(0).upper() in TREATY_BODIES and first.group(0).isupper():
        return first.group(0).upper()
    return None


def body_kind(body: str | None, session: int | None) -> SourceKind:
    """The kind of source a body's recommendations come from; no body but a UPR session: the UPR."""
    if body and is_upr_body(body):
        return SourceKind.upr_review
    if body and treaty_body(body):
        return SourceKind.treaty_body
    if body and _SPECIAL_PROCEDURE.match(body.strip()):
        return SourceKind.special_procedure
    # A session on a row whose body is no treaty body or special procedure: the file's own name for the UPR.
    return SourceKind.upr_review if session is not None else SourceKind.other


def ordinal(number: int) -> str:
    """'first', 'second', ... for a cycle number (in English: source titles are data)."""
    if 1 <= number <= len(_ORDINALS):
        return _ORDINALS[number - 1]
    return f"{number}th"


def upr_source(
    state: str,
    session: int,
    document_symbol: str | None = None,
    reviewed_on: date | None = None,
    published_on: date | None = None,
) -> SourceSpec:
    """The source of a state's review at a UPR session, described as every UPR format describes it."""
    cycle = upr_cycle(session)
    return SourceSpec(
        slug=upr_source_slug(state, session),
        kind=SourceKind.upr_review,
        title=f"Universal Periodic Review of {state}: session {session} ({ordinal(cycle)} cycle)",
        publisher=UPR_PUBLISHER,
        state_under_review=state,
        cycle=cycle,
        session=session,
        reviewed_on=reviewed_on,
        document_symbol=document_symbol,
        published_on=published_on,
    )


def bounded_slug(*parts: str) -> str:
    """Slug parts joined by hyphens; over 64 characters, cut and ended by a hash of the whole (stable)."""
    whole = "-".join(part for part in (slugify(part, 200) for part in parts) if part)
    if len(whole) <= SLUG_LIMIT:
        return whole
    digest = hashlib.sha256(whole.encode("utf-8")).hexdigest()[:8]
    return f"{whole[: SLUG_LIMIT - 9].rstrip('-')}-{digest}"


def body_source(
    kind: SourceKind,
    state: str | None,
    body: str | None,
    document_symbol: str | None,
    published_on: date | None = None,
    fallback_name: str = "import",
) -> SourceSpec:
    """The source of one body's document on a state (treaty body, special procedure or other)."""
    abbreviation = treaty_body(body) if body and kind is SourceKind.treaty_body else None
    name = abbreviation or body
    state_part = state_slug(state) if state else ""
    slug = bounded_slug(name or fallback_name, state_part, document_symbol or "")
    on_state = f" on {state}" if state else ""
    symbol = f" ({document_symbol})" if document_symbol else ""
    if kind is SourceKind.treaty_body and abbreviation:
        title = f"Concluding observations of {abbreviation}{on_state}{symbol}"
        publisher = TREATY_BODIES[abbreviation][-1]
    elif name:
        title = f"Recommendations of {name}{on_state}{symbol}"
        publisher = name
    else:
        title = f"Recommendations from {fallback_name}{on_state}{symbol}"
        publisher = "Not stated"
    return SourceSpec(
        slug=slug,
        kind=kind,
        title=title,
        publisher=publisher,
        state_under_review=state,
        document_symbol=document_symbol,
        published_on=published_on,
    )
