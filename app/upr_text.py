"""How a linked UPR recommendation is named in documents and pages: the response, at which review, by whom.

In the current locale: call these while rendering.
"""

from typing import Any

from app.i18n.translation import N_, gettext

ORDINAL_REVIEWS = {
    1: N_("1st review"),
    2: N_("2nd review"),
    3: N_("3rd review"),
    4: N_("4th review"),
    5: N_("5th review"),
}
# One whole sentence per response; %(review)s is the review's name with its date ("2nd review, 2014").
AT_REVIEW: dict[str | None, str] = {
    "supported": N_("Supported at the %(review)s"),
    "partially_supported": N_("Partially supported at the %(review)s"),
    "noted": N_("Noted at the %(review)s"),
    "pending": N_("Response pending after the %(review)s"),
    "unclear": N_("Response unclear after the %(review)s"),
    None: N_("Made at the %(review)s; no response recorded"),
}


def review_name(item: dict[str, Any]) -> str:
    """The review by its cycle: '2nd review', else 'UPR review'."""
    cycle = item["cycle"]
    if cycle in ORDINAL_REVIEWS:
        return gettext(ORDINAL_REVIEWS[cycle])
    if cycle is not None:
        return gettext("review of cycle %(cycle)s", cycle=cycle)
    return gettext("UPR review")


def review_phrase(item: dict[str, Any], *, detailed: bool = False) -> str:
    """'2nd review, 2014'; detailed, with the session: '2nd review (session 20, 2014)'."""
    name = review_name(item)
    year = str(item["reviewed_on"].year) if item["reviewed_on"] else None
    session = item["session"] if detailed else None
    if session is not None and year is not None:
        return gettext("%(review)s (session %(session)s, %(year)s)", review=name, session=session, year=year)
    if session is not None:
        return gettext("%(review)s (session %(session)s)", review=name, session=session)
    if year is not None:
        return gettext("%(review)s, %(year)s", review=name, year=year)
    return name


def at_review(item: dict[str, Any], *, detailed: bool = False) -> str:
    """'Supported at the 2nd review, 2014' (or noted, pending, ...): the state's response at the point."""
    return gettext(AT_REVIEW[item["response"]], review=review_phrase(item, detailed=detailed))


def commitment_line(item: dict[str, Any]) -> str:
    """A line of the matrix's UPR commitments: 'Supported at the 2nd review, 2014: recommended by Hungary'."""
    states = ", ".join(state["label"] for state in item["recommending_states"])
    if not states:
        return at_review(item)
    return gettext("%(response)s: recommended by %(states)s", response=at_review(item), states=states)
