"""Reading a posted form without letting FastAPI turn a bad one into a JSON error."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

MAX_FIELDS = 200


async def posted_form(request: Request) -> FormData:
    """The request's form fields (URL-encoded or multipart, no files)."""
    return await request.form(max_files=0, max_fields=MAX_FIELDS)


FormDep = Annotated[FormData, Depends(posted_form)]
