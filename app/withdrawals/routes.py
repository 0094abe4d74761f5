"""Write API for withdrawals (admins)."""

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from app.auth import AdminDep
from app.db import WriteSessionDep, commit_write
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, written_response
from app.withdrawals.schemas import WithdrawalCreated, WithdrawalIn
from app.withdrawals.service import code_of_entry, withdraw_entry

router = APIRouter(prefix="/api/v1", tags=["history"])


@router.post(
    "/history/{entry_id}/withdrawal",
    status_code=status.HTTP_201_CREATED,
    response_model=WithdrawalCreated,
    responses=WRITE_ERRORS,
)
def post_withdrawal(
    entry_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    data: WithdrawalIn,
    session: WriteSessionDep,
    principal: AdminDep,
    if_match: IfMatch = None,
) -> Response:
    """Erase an entry's content published by mistake (admin); needs If-Match with its recommendation's ETag.

    The entry keeps its commitment and hash, so its chain, the log and every checkpoint still verify; a
    withdrawal entry records who withdrew it, when and why.
    """
    target = read_for_write(session, code_of_entry(session, entry_id), if_match)
    entry = withdraw_entry(session, target, principal, entry_id, data.reason)
    response = written_response(session, WithdrawalCreated, target, entry, {}, by=principal)
    commit_write(session)
    return response
