"""Report API: the implementation matrix as CSV, XLSX, HTML, DOCX or JSON."""

import tempfile
from collections.abc import Iterator
from functools import partial
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.auth import ReaderDep, can_see_restricted
from app.csv_writer import CSV_MEDIA_TYPE
from app.db import SessionDep
from app.errors import problem_responses
from app.http import NOT_MODIFIED, attachment, cache_headers, not_modified
from app.reports.csv_report import matrix_csv
from app.reports.documents import matrix_meta, section_scorecard
from app.reports.docx_report import DOCX_MEDIA_TYPE, ensure_docx_fits, write_matrix_docx
from app.reports.html_report import HTML_MEDIA_TYPE, HTML_REPORT_HEADERS, matrix_html
from app.reports.json_report import matrix_json
from app.reports.matrix import count_rows, matrix_rows, streamed_rows
from app.reports.schemas import MatrixOut
from app.reports.xlsx_report import XLSX_MEDIA_TYPE, write_matrix_xlsx
from app.scorecards.keys import response_etag
from app.scorecards.params import PointInTimeParams
from app.scorecards.service import point_of

router = APIRouter(prefix="/api/v1", tags=["reports"])

MatrixFormat = Literal["json", "csv", "xlsx", "html", "docx"]
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_CHUNK = 64 * 1024
IN_MEMORY_UP_TO = 8 * 1024 * 1024


@router.get(
    "/reports/matrix",
    response_model=MatrixOut,
    responses={
        200: {
            "description": "The matrix in the requested format.",
            "content": {
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: BINARY,
                DOCX_MEDIA_TYPE: BINARY,
                HTML_MEDIA_TYPE: {"schema": {"type": "string"}},
            },
        },
        **NOT_MODIFIED,
        **problem_responses(401, 422),
    },
)
def get_matrix(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    params: Annotated[PointInTimeParams, Query()],
    format_: Annotated[
        MatrixFormat, Query(alias="format", description="json (default), csv, xlsx, html or docx.")
    ] = ("json"),
):
    """The implementation matrix: one row per recommendation with statuses, latest assessment and evidence."""
    privileged = can_see_restricted(reader)
    point = point_of(params)
    etag = response_etag(
        session, f"matrix.{format_}", params, include_restricted=privileged, reference=point.reference_date()
    )
    headers = cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    meta = matrix_meta(params)
    filename = f"rectrack-matrix-{meta['as_of'].isoformat()}.{format_}"
    # The streamed formats read in a session of their own: the response outlives the request's session.
    streamed = partial(streamed_rows, request.app.state.engine, params, include_restricted=privileged)
    if format_ == "json":
        return StreamingResponse(
            matrix_json(streamed(), meta), media_type="application/json", headers=headers
        )
    if format_ == "csv":
        return StreamingResponse(
            matrix_csv(streamed(), params.perspective),
            media_type=CSV_MEDIA_TYPE,
            headers=headers | attachment(filename),
        )
    if format_ == "docx":
        ensure_docx_fits(count_rows(session, params))
    scorecard = section_scorecard(session, params, include_restricted=privileged)
    if format_ == "html":
        inline = {"Content-Disposition": f'inline; filename="{filename}"'}
        return StreamingResponse(
            matrix_html(streamed(), scorecard, meta),
            media_type=HTML_MEDIA_TYPE,
            headers=headers | inline | HTML_REPORT_HEADERS,
        )
    rows = matrix_rows(session, params, include_restricted=privileged)
    writer, media_type = (
        (write_matrix_xlsx, XLSX_MEDIA_TYPE) if format_ == "xlsx" else (write_matrix_docx, DOCX_MEDIA_TYPE)
    )
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115 - _chunks closes it
    try:
        writer(spool, rows, scorecard, meta)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return StreamingResponse(_chunks(spool), media_type=media_type, headers=headers | attachment(filename))


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(FILE_CHUNK):
            yield chunk
