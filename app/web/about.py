"""The About page: the sources tracked, who publishes this instance, the method, and a contact."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.db import SessionDep
from app.scorecards.service import FORMULA
from app.vocabulary import Perspective, Status
from app.web.queries import about_sources
from app.web.render import render
from app.web.session import ReaderVisitorDep

router = APIRouter()


def contact_link(contact: str) -> str | None:
    """Where the contact can be followed: mailto: for an e-mail address, the URL itself for a web address."""
    if contact.startswith(("https://", "http://")):
        return contact
    if "@" in contact and " " not in contact and "/" not in contact:
        return f"mailto:{contact}"
    return None


@router.get("/about", response_class=HTMLResponse)
def about(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """What this instance tracks, who runs it, how statuses, scores and claim gaps are defined, a contact."""
    settings = request.app.state.settings
    sources = about_sources(session)
    return render(
        request,
        visitor,
        "about.html",
        nav="about",
        sources=sources,
        states=list(dict.fromkeys(s["state_under_review"] for s in sources if s["state_under_review"])),
        organisation=settings.organisation,
        contact=settings.contact,
        contact_url=contact_link(settings.contact),
        formula=FORMULA,
        statuses=[status.value for status in Status],
        perspectives=[perspective.value for perspective in Perspective],
    )
