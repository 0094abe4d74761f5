"""Import API: an admin uploads a spreadsheet of recommendations (dry run by default)."""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from app.auth import AdminDep
from app.db import WriteSessionDep
from app.errors import Conflict, Unprocessable, problem_responses
from app.i18n.translation import gettext as _
from app.imports.apply import ImportConflict
from app.imports.formats import READERS
from app.imports.rows import ReadOptions, UnreadableFile
from app.imports.schemas import ImportReportOut
from app.imports.service import ImportRequest, mapping_option, run_import
from app.imports.translated import TRANSLATOR_MAX, translation_origin
from app.inputs import PastDate
from app.responses import model_response
from app.vocabulary import Provenance

router = APIRouter(prefix="/api/v1", tags=["imports"])
IMPORT_PATHS = ("/api/v1/imports", "/imports")


@router.post(
    "/imports",
    response_model=ImportReportOut,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
def post_import(
    session: WriteSessionDep,
    principal: AdminDep,
    file: Annotated[UploadFile, File(description="The CSV, XLSX or TOML file.")],
    format: Annotated[str, Form(description="upr-info, mapped or curated.", max_length=32)],
    state: Annotated[
        str | None, Form(max_length=128, description="Keep only this state under review.")
    ] = None,
    mapping: Annotated[str | None, Form(max_length=64, description="A built-in mapping, e.g. uhri.")] = None,
    mapping_file: Annotated[UploadFile | None, File(description="A column mapping (TOML).")] = None,
    dry_run: Annotated[bool, Form(description="Report what would change, change nothing.")] = True,
    skip_bad_rows: Annotated[bool, Form(description="Import the good rows when some are refused.")] = False,
    update_texts: Annotated[bool, Form(description="Apply changed texts (as text_changed entries).")] = False,
    reviewed_on: Annotated[
        PastDate | None, Form(description="The review's date, for sources it creates.")
    ] = None,
    responses_on: Annotated[PastDate | None, Form(description="When changed responses were taken.")] = None,
    translations_file: Annotated[
        UploadFile | None,
        File(
            description="Translations keyed by paragraph (CSV or XLSX): paragraph, text_ru/text_kk, source."
        ),
    ] = None,
    translation_provenance: Annotated[
        Provenance | None,
        Form(
            description="Whose the translations are: official (the body's own) or unofficial (the default)."
        ),
    ] = None,
    translator: Annotated[
        str | None,
        Form(max_length=TRANSLATOR_MAX, description="Who translated, to credit; needed for unofficial ones."),
    ] = None,
) -> Response:
    """Import recommendations from a file (admin); a dry run unless `dry_run=false`; all or nothing."""
    if format not in READERS:
        raise Unprocessable(
            _("Unknown format %(format)s; use one of: %(known)s.", format=format, known=", ".join(READERS))
        )
    try:
        uploaded_mapping = mapping_file.file.read() if mapping_file is not None else None
        origin = translation_origin(
            translation_provenance.value if translation_provenance else None, translator
        )
        request = ImportRequest(
            format=format,
            data=file.file.read(),
            filename=file.filename or "upload",
            read=ReadOptions(
                state=state,
                reviewed_on=reviewed_on,
                mapping=mapping_option(mapping, uploaded_mapping),
                translation=origin,
            ),
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            update_texts=update_texts,
            recorded_by=principal.monitor_id,
            responses_on=responses_on,
            translations=translations_file.file.read() if translations_file is not None else None,
        )
        report = run_import(session, request)
    except UnreadableFile as error:
        raise Unprocessable(str(error)) from None
    except ImportConflict as error:
        raise Conflict(str(error)) from None
    if (report.refused or report.translations_refused) and not report.applied and not dry_run:
        raise Unprocessable(
            _("Rows were refused, so nothing was imported; see `report`."), report=report.as_dict()
        )
    return model_response(ImportReportOut, report.as_dict())
