"""The admins' import page: upload a file, see the report of a dry run, then import it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app.db import SessionDep, WriteSessionDep
from app.i18n.translation import N_
from app.imports.apply import ImportConflict
from app.imports.formats import READERS
from app.imports.mapping import built_in_mappings
from app.imports.rows import ReadOptions, UnreadableFile
from app.imports.service import ImportRequest, mapping_option, run_import
from app.imports.translated import TRANSLATOR_MAX, translation_origin
from app.vocabulary import Role
from app.web.pages import error_page
from app.web.render import render
from app.web.session import CSRF_FIELD, Visitor, visitor_from

router = APIRouter()

ADMINS_ONLY = (
    N_("Admins only"),
    N_("Importing recommendations is for admins. Sign in with an admin's token to import a file."),
)
FORM_REFUSED = N_(
    "The form was not sent from this site, or your session has expired. Nothing was imported: "
    "please try again."
)
NO_FILE = N_("Choose a file to import.")
FORMAT_LABELS = {
    "upr-info": N_("UPR Info database export (CSV)"),
    "mapped": N_("A spreadsheet with a column mapping (CSV or XLSX; UHRI export)"),
    "curated": N_("A curated report (rectrack's TOML)"),
}


BLANK = {
    "format": "upr-info",
    "state": "",
    "mapping": "",
    "dry_run": True,
    "skip_bad_rows": False,
    "update_texts": False,
    "translation_provenance": "unofficial",
    "translator": "",
}


def _is_admin(visitor: Visitor) -> bool:
    return visitor.principal is not None and visitor.principal.has_role(Role.admin)


def _page(request: Request, visitor: Visitor, status_code: int = 200, **context: object) -> Response:
    return render(
        request,
        visitor,
        "imports.html",
        status_code=status_code,
        nav="imports",
        formats=[(name, FORMAT_LABELS.get(name, name)) for name in READERS],
        mappings=built_in_mappings(),
        translator_max=TRANSLATOR_MAX,
        **({"message": None, "error": None, "report": None} | context),
    )


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, session: SessionDep) -> Response:
    """The import form (admins)."""
    visitor = visitor_from(request, session)
    if not _is_admin(visitor):
        return error_page(request, visitor, 403, *ADMINS_ONLY)
    return _page(request, visitor, values=BLANK)


async def uploaded_form(request: Request) -> FormData:
    """The import form's fields and files (the body limit for imports has already applied)."""
    return await request.form(max_files=3, max_fields=20)


UploadFormDep = Annotated[FormData, Depends(uploaded_form)]


@router.post("/imports", response_class=HTMLResponse)
def post_import_form(request: Request, session: WriteSessionDep, form: UploadFormDep) -> Response:
    """Import (or, by default, only try) the uploaded file; the page shows the report."""
    upload, mapping_upload = form.get("file"), form.get("mapping_file")
    translations_upload = form.get("translations_file")
    data = upload.file.read() if isinstance(upload, UploadFile) else b""
    mapping_data = mapping_upload.file.read() if isinstance(mapping_upload, UploadFile) else b""
    # A file input left empty still sends a part, without a name: no translations file then.
    translations = (
        translations_upload.file.read()
        if isinstance(translations_upload, UploadFile) and translations_upload.filename
        else None
    )
    name = upload.filename if isinstance(upload, UploadFile) and upload.filename else "upload"
    return _submit(request, session, form, data, name, mapping_data, translations)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _submit(
    request: Request,
    session: Session,
    form: FormData,
    data: bytes,
    filename: str,
    mapping_data: bytes,
    translations: bytes | None,
) -> Response:
    visitor = visitor_from(request, session)
    if not _is_admin(visitor):
        return error_page(request, visitor, 403, *ADMINS_ONLY)
    values = {
        "format": _field(form, "format"),
        "state": _field(form, "state"),
        "mapping": _field(form, "mapping"),
        "dry_run": form.get("dry_run") == "on",
        "skip_bad_rows": form.get("skip_bad_rows") == "on",
        "update_texts": form.get("update_texts") == "on",
        "translation_provenance": _field(form, "translation_provenance") or "unofficial",
        "translator": _field(form, "translator"),
    }
    if not visitor.csrf_ok(form.get(CSRF_FIELD)):
        return _page(request, visitor, 403, values=values, message=FORM_REFUSED)
    if not data:
        return _page(request, visitor, 422, values=values, message=NO_FILE)
    if values["format"] not in READERS:
        values["format"] = "upr-info"
    assert visitor.principal is not None
    try:
        mapping = mapping_option(str(values["mapping"]) or None, mapping_data or None)
        origin = translation_origin(str(values["translation_provenance"]), str(values["translator"]) or None)
        request_ = ImportRequest(
            format=str(values["format"]),
            data=data,
            filename=filename,
            read=ReadOptions(state=str(values["state"]) or None, mapping=mapping, translation=origin),
            translations=translations,
            dry_run=bool(values["dry_run"]),
            skip_bad_rows=bool(values["skip_bad_rows"]),
            update_texts=bool(values["update_texts"]),
            recorded_by=visitor.principal.monitor_id,
        )
        report = run_import(session, request_)
    except (UnreadableFile, ImportConflict) as error:
        session.rollback()
        return _page(request, visitor, 422, values=values, error=str(error))
    if not report.applied:
        session.rollback()
    else:
        values["dry_run"] = True  # the next file starts as a dry run again
    refused = report.refused or report.translations_refused
    status_code = 422 if refused and not report.applied and not report.dry_run else 200
    return _page(request, visitor, status_code, values=values, report=report)
