"""Report API: the implementation matrix as CSV, XLSX, HTML, DOCX, PDF or JSON."""

import tempfile
from collections.abc import Iterator
from functools import partial
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from app.auth import Principal, ReaderDep, can_see_restricted
from app.csv_writer import CSV_MEDIA_TYPE
from app.db import SessionDep
from app.errors import Unauthorized, problem_responses
from app.http import (
    NOT_MODIFIED,
    DocumentLanguage,
    LanguageQuery,
    attachment,
    cache_headers,
    document_cache_headers,
    document_language,
    not_modified,
)
from app.i18n.formatting import zone_of
from app.i18n.translation import SOURCE_LANGUAGE, gettext, use_locale
from app.reports.context import document_context
from app.reports.csv_report import matrix_csv
from app.reports.documents import matrix_meta, section_scorecard
from app.reports.docx_report import DOCX_MEDIA_TYPE, ensure_docx_fits, write_matrix_docx
from app.reports.html_report import HTML_MEDIA_TYPE, HTML_REPORT_HEADERS, matrix_html
from app.reports.json_report import matrix_json
from app.reports.matrix import count_rows, grouped_rows, streamed_groups, streamed_rows
from app.reports.page_heading import page_heading
from app.reports.pdf_report import PDF_MEDIA_TYPE, ensure_pdf_fits, write_matrix_pdf
from app.reports.printed import PrintedMatrix
from app.reports.schemas import MatrixOut
from app.reports.scorecard_report import write_scorecard_pdf
from app.reports.sheet_rows import sheet_rows, streamed_sheet_rows
from app.reports.xlsx_report import XLSX_MEDIA_TYPE, write_matrix_xlsx
from app.scorecards.keys import response_document, response_etag, weak_etag
from app.scorecards.params import MatrixParams, ScorecardParams
from app.scorecards.service import cached_scorecard, point_of

router = APIRouter(prefix="/api/v1", tags=["reports"])

MatrixFormat = Literal["json", "csv", "xlsx", "html", "docx", "pdf"]
BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}
FILE_CHUNK = 64 * 1024
IN_MEMORY_UP_TO = 8 * 1024 * 1024
MATRIX_RESPONSES = {**NOT_MODIFIED, **problem_responses(401, 422, 429)}
# Rendered whole on the server (CSV, JSON and HTML stream): bounded per server, and large ones need a token.
WHOLE_DOCUMENTS = ("xlsx", "docx", "pdf")
# Each file format has a path of its own whose 200 has one media type, so generated clients read the body as
# what it is (one response listing them all was parsed as JSON whatever came). Text formats are declared as
# strings: openapi-python-client turns a binary text/* body into a file made from a str, and fails.
FILE_FORMATS: dict[MatrixFormat, tuple[str, dict[str, str], str]] = {
    "csv": (CSV_MEDIA_TYPE, TEXT, "CSV, UTF-8 with a byte-order mark"),
    "xlsx": (XLSX_MEDIA_TYPE, BINARY, "an Excel workbook, with the scorecard by section"),
    "docx": (DOCX_MEDIA_TYPE, BINARY, "a Word document, with the scorecard by section (at most 5,000 rows)"),
    "html": (HTML_MEDIA_TYPE, TEXT, "a printable HTML page, with the scorecard by section"),
    "pdf": (PDF_MEDIA_TYPE, BINARY, "a PDF of the printable page, A4 landscape (at most 1,000 rows)"),
}


def matrix_response(
    request: Request,
    session: Session,
    reader: Principal | None,
    params: MatrixParams,
    format_: MatrixFormat,
    lang: str | None = None,
) -> Response:
    """The matrix in one format, or 304: every matrix route answers with this.

    Documents are written in the asked language; the JSON stays English whatever was asked (labels are data).
    """
    privileged = can_see_restricted(reader)
    point = point_of(params)
    language = SOURCE_LANGUAGE if format_ == "json" else document_language(request, lang)
    kind = f"matrix.{format_}" if format_ == "json" else f"matrix.{format_}.{language}"
    etag = response_etag(
        session, kind, params, include_restricted=privileged, reference=point.reference_date()
    )
    headers = cache_headers(etag) if format_ == "json" else document_cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    with use_locale(language):
        return _matrix_document(request, session, reader, params, format_, headers)


def _matrix_document(
    request: Request,
    session: Session,
    reader: Principal | None,
    params: MatrixParams,
    format_: MatrixFormat,
    headers: dict[str, str],
) -> Response:
    """The matrix in one format, in the current locale."""
    privileged = can_see_restricted(reader)
    meta = matrix_meta(session, params)
    filename = f"rectrack-matrix-{meta['as_of'].isoformat()}.{format_}"
    # The streamed formats read in a session of their own: the response outlives the request's session.
    streamed = partial(streamed_rows, request.app.state.engine, params, include_restricted=privileged)
    if format_ == "json":
        return StreamingResponse(
            matrix_json(streamed(), meta), media_type="application/json", headers=headers
        )
    if format_ == "csv":
        # The optional columns (the UPR commitments above all) are read only when some row has one.
        sheet = streamed_sheet_rows(
            request.app.state.engine, params, include_restricted=privileged, optional=meta["columns"]
        )
        return StreamingResponse(
            matrix_csv(sheet, params.perspective, meta["columns"]),
            media_type=CSV_MEDIA_TYPE,
            headers=headers | attachment(filename),
        )
    if format_ in WHOLE_DOCUMENTS:
        rows_count = count_rows(session, params)
        if format_ == "docx":
            ensure_docx_fits(rows_count)
        elif format_ == "pdf":
            ensure_pdf_fits(rows_count)
        limit = request.app.state.settings.public_document_rows
        if reader is None and rows_count > limit:
            raise Unauthorized(
                f"Documents of more than {limit:,} rows need a token (viewer or above); this one has "
                f"{rows_count:,}. The CSV and JSON stream to everyone."
            )
    scorecard = section_scorecard(session, params, include_restricted=privileged, progress=format_ != "xlsx")
    settings = request.app.state.settings
    context = document_context(session, params, settings)
    heading = page_heading(context, gettext("Implementation matrix"), settings.timezone)
    if format_ == "html":
        inline = {"Content-Disposition": f'inline; filename="{filename}"'}
        groups = streamed_groups(request.app.state.engine, params, include_restricted=privileged)
        return StreamingResponse(
            matrix_html(PrintedMatrix(groups, context, meta["columns"]), scorecard, heading),
            media_type=HTML_MEDIA_TYPE,
            headers=headers | inline | HTML_REPORT_HEADERS,
        )
    media_type = {"xlsx": XLSX_MEDIA_TYPE, "docx": DOCX_MEDIA_TYPE, "pdf": PDF_MEDIA_TYPE}[format_]
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115 - _chunks closes it
    try:
        with request.app.state.render_slots.held(), zone_of(settings.timezone):
            if format_ == "xlsx":
                rows = sheet_rows(session, params, include_restricted=privileged, optional=meta["columns"])
                write_matrix_xlsx(spool, rows, scorecard, meta, context)
            else:
                groups = grouped_rows(session, params, include_restricted=privileged)
                printed = PrintedMatrix(groups, context, meta["columns"])
                if format_ == "docx":
                    write_matrix_docx(spool, printed, scorecard)
                else:
                    write_matrix_pdf(spool, printed, scorecard, heading)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return StreamingResponse(_chunks(spool), media_type=media_type, headers=headers | attachment(filename))


@router.get("/reports/matrix", response_model=MatrixOut, responses=MATRIX_RESPONSES)
def get_matrix(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    params: Annotated[MatrixParams, Query()],
    # Kept for existing users, out of the schema: each format has its path (/reports/matrix.csv, ...).
    format_: Annotated[MatrixFormat, Query(alias="format", include_in_schema=False)] = "json",
    lang: Annotated[DocumentLanguage | None, Query(include_in_schema=False)] = None,
):
    """The implementation matrix: one row per recommendation with statuses, latest assessment and evidence.

    As a file: `/api/v1/reports/matrix.csv`, `.xlsx`, `.docx`, `.pdf` or `.html`.
    """
    return matrix_response(request, session, reader, params, format_, lang)


@router.get("/reports/matrix.json", response_model=MatrixOut, responses=MATRIX_RESPONSES)
def get_matrix_json(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[MatrixParams, Query()]
):
    """The implementation matrix as JSON, as `/api/v1/reports/matrix` gives it."""
    return matrix_response(request, session, reader, params, "json")


def _add_file_route(format_: MatrixFormat) -> None:
    media_type, schema, what = FILE_FORMATS[format_]

    def get_matrix_file(
        request: Request,
        session: SessionDep,
        reader: ReaderDep,
        params: Annotated[MatrixParams, Query()],
        lang: LanguageQuery = None,
    ) -> Response:
        return matrix_response(request, session, reader, params, format_, lang)

    router.add_api_route(
        f"/reports/matrix.{format_}",
        get_matrix_file,
        methods=["GET"],
        name=f"get_matrix_{format_}",
        description=f"The implementation matrix as {what}: the same rows and filters as the JSON matrix.",
        response_class=Response,
        responses={
            200: {"description": what, "content": {media_type: {"schema": schema}}},
            **MATRIX_RESPONSES,
        },
    )


for _format in FILE_FORMATS:
    _add_file_route(_format)


@router.get(
    "/scorecard.pdf",
    tags=["scorecards"],
    response_class=Response,
    responses={
        200: {"description": "The scorecard as a PDF", "content": {PDF_MEDIA_TYPE: {"schema": BINARY}}},
        **NOT_MODIFIED,
        **problem_responses(401, 422, 429),
    },
)
def get_scorecard_pdf(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    params: Annotated[ScorecardParams, Query()],
    lang: LanguageQuery = None,
) -> Response:
    """The scorecard as a PDF (A4 landscape): the same groups and parameters, with the first gaps."""
    privileged = can_see_restricted(reader)
    document = response_document(
        session, params, include_restricted=privileged, reference=point_of(params).reference_date()
    )
    language = document_language(request, lang)
    headers = document_cache_headers(weak_etag(f"scorecard.pdf.{language}", document))
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    with use_locale(language):
        return _scorecard_pdf(request, session, params, privileged, document, headers)


def _scorecard_pdf(
    request: Request,
    session: Session,
    params: ScorecardParams,
    privileged: bool,
    document: dict[str, Any],
    headers: dict[str, str],
) -> Response:
    """The scorecard's PDF in the current locale."""
    scorecard = cached_scorecard(
        session, request.app.state.scorecards, params, include_restricted=privileged, document=document
    )
    settings = request.app.state.settings
    context = document_context(session, params, settings)
    heading = page_heading(context, gettext("Scorecard"), settings.timezone)
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115 - _chunks closes it
    try:
        with request.app.state.render_slots.held():
            write_scorecard_pdf(spool, scorecard, heading)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    filename = f"rectrack-scorecard-{scorecard['as_of'].isoformat()}.pdf"
    return StreamingResponse(
        _chunks(spool), media_type=PDF_MEDIA_TYPE, headers=headers | attachment(filename)
    )


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(FILE_CHUNK):
            yield chunk
