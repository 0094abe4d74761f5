"""The correction form on a history entry: its recorder (or an admin) says what was wrong, and why."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.corrections.service import correct_entry
from app.db import WriteSessionDep
from app.errors import Conflict, Forbidden, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.i18n.translation import N_
from app.recommendations.write_protocol import read_for_write
from app.web.edits import form_if_match, form_seen
from app.web.forms import CORRECTION, FieldError, FormDep, FormState, correction_values, parse_correction
from app.web.pages import NOT_FOUND, error_page, plausible_code, recommendation_page
from app.web.session import CSRF_FIELD, visitor_from

router = APIRouter()
NOT_CORRECTABLE = N_("This entry cannot be corrected: it was corrected already, or its link has ended.")


@router.post("/recommendations/{code}/entries/{seq}/corrections", response_class=HTMLResponse)
def post_correction(
    code: str,
    seq: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    session: WriteSessionDep,
    form: FormDep,
) -> Response:
    """Record a correction of one history entry, if the recommendation is still at the form's version."""
    visitor = visitor_from(request, session)
    values = correction_values(form, seq)
    prefix = f"{CORRECTION}-{seq}"  # one form per entry: ids stay unique on the page

    def again(
        status_code: int, state: FormState, alert: dict[str, str], changes_after: int | None = None
    ) -> Response:
        session.rollback()
        return recommendation_page(
            request,
            session,
            visitor,
            code,
            status_code=status_code,
            correction=state,
            alert=alert | {"form": prefix},
            changes_after=changes_after,
        )

    if not plausible_code(code):
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    csrf_valid = visitor.csrf_ok(form.get(CSRF_FIELD))
    if not csrf_valid or not visitor.can_write or visitor.principal is None:
        alert = {"kind": "forbidden" if csrf_valid else "csrf", "kept": values["reason"]}
        return again(403, FormState(prefix, values), alert)
    parsed = parse_correction(values)
    if isinstance(parsed, FormState):
        return again(422, parsed, {"kind": "fix"})
    try:
        target = read_for_write(session, code, form_if_match(form))
        correct_entry(session, target, visitor.principal, seq, parsed)
    except NotFound:
        session.rollback()
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    except (PreconditionFailed, PreconditionRequired):
        return again(409, FormState(prefix, values), {"kind": "conflict"}, changes_after=form_seen(form))
    except Forbidden:
        return again(403, FormState(prefix, values), {"kind": "not_yours"})
    except (Conflict, Unprocessable):
        errors = {"reason": FieldError(NOT_CORRECTABLE)}
        return again(409, FormState(prefix, values, errors), {"kind": "fix"})
    # Post/redirect/get, to the correction just recorded.
    return RedirectResponse(f"/recommendations/{quote(code)}?saved=correction#history", status_code=303)
