"""Checkpoints and proofs: how anyone outside checks that this log only ever grew."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from app.auth import ReaderDep
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.history.checkpoints import checkpoint_view, latest_checkpoint, list_checkpoints
from app.history.proofs import checkpoint_consistency, entry_inclusion
from app.history.schemas import CheckpointOut, CheckpointPage, ConsistencyProof, InclusionProof

router = APIRouter(prefix="/api/v1", tags=["checkpoints"])
TreeSize = Annotated[int, Query(ge=0, le=2**62, description="A tree size at which a checkpoint was signed.")]


@router.get("/checkpoints", response_model=CheckpointPage)
def get_checkpoints(
    session: SessionDep,
    _reader: ReaderDep,
    after: Annotated[int, Query(ge=-1, le=2**62, description="The last tree size you have.")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict:
    """Every signed checkpoint, oldest first, with the public key that signed it."""
    items = [
        checkpoint_view(checkpoint) for checkpoint in list_checkpoints(session, after=after, limit=limit)
    ]
    return {"items": items, "next_after": items[-1]["tree_size"] if items else after}


@router.get("/checkpoints/latest", response_model=CheckpointOut, responses=problem_responses(404))
def get_latest_checkpoint(session: SessionDep, _reader: ReaderDep) -> dict:
    """The newest signed checkpoint."""
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("No checkpoint has been signed yet: `rectrack checkpoint` signs one.")
    return checkpoint_view(checkpoint)


@router.get(
    "/checkpoints/consistency", response_model=ConsistencyProof, responses=problem_responses(400, 404)
)
def get_consistency_proof(
    request: Request,
    session: SessionDep,
    _reader: ReaderDep,
    from_size: Annotated[
        int, Query(alias="from", ge=0, le=2**62, description="The earlier checkpoint's size.")
    ],
    to_size: Annotated[int, Query(alias="to", ge=0, le=2**62, description="The later checkpoint's size.")],
) -> dict:
    """Proof that the log at an earlier checkpoint is a prefix of the log at a later one."""
    with request.app.state.proof_slots.held():
        return checkpoint_consistency(session, from_size, to_size)


@router.get("/history/{entry_id}/proof", response_model=InclusionProof, responses=problem_responses(404, 429))
def get_inclusion_proof(
    request: Request,
    session: SessionDep,
    _reader: ReaderDep,
    entry_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    checkpoint: TreeSize,
) -> dict:
    """Proof that a history entry is in the log at a signed checkpoint."""
    with request.app.state.proof_slots.held():
        return entry_inclusion(session, entry_id, checkpoint)
