"""Form data in, validated by the API's own input models; their errors mapped to translatable messages."""

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from app.assessments.schemas import AssessmentIn
from app.corrections.schemas import CorrectionIn
from app.errors import BadRequest
from app.evidence.schemas import EvidenceIn
from app.i18n.translation import N_
from app.translations.schemas import TranslationIn

ASSESSMENT, EVIDENCE, CORRECTION = "assessment", "evidence", "correction"
# A recommendation's text, and the title of its section: two forms on the recommendation's page.
TRANSLATION, TITLE_TRANSLATION = "translation", "title-translation"
TRANSLATION_FIELDS = ("language", "text", "provenance", "translator")
CORRECTION_FIELDS = ("action", "reason", "status", "effective_on", "summary", "relation", "note")
# "replace": the corrected values count instead; "withdraw": nothing replaces the entry.
CORRECTION_VALUES = {"status", "effective_on", "summary", "relation", "note"}
ASSESSMENT_FIELDS = ("status", "perspective", "summary", "effective_on")
EVIDENCE_FIELDS = ("url", "title", "kind", "published_on", "visibility", "relation", "note")


@dataclass
class FormState:
    """What a form shows: the values (the monitor's own, after a failed submit) and errors by field."""

    prefix: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, "FieldError"] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldError:
    """A message (an English message id, translated where the page shows it), with the values it needs."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)


def assessment_values(form: FormData) -> dict[str, Any]:
    """The assessment form's fields as submitted."""
    values: dict[str, Any] = {name: _text(form, name) for name in ASSESSMENT_FIELDS}
    values["evidence_ids"] = [value for value in form.getlist("evidence_ids") if isinstance(value, str)][:100]
    return values


def evidence_values(form: FormData) -> dict[str, Any]:
    """The evidence form's fields as submitted."""
    return {name: _text(form, name) for name in EVIDENCE_FIELDS}


def parse_assessment(values: dict[str, Any]) -> AssessmentIn | FormState:
    """An AssessmentIn, or the form state with its errors."""
    # Form fields are text; the API's model takes evidence ids strictly as JSON integers.
    ids = [int(value) if value.isdigit() and len(value) < 11 else value for value in values["evidence_ids"]]
    return _parse(AssessmentIn, ASSESSMENT, values, evidence_ids=ids)


def parse_evidence(values: dict[str, Any]) -> EvidenceIn | FormState:
    """An EvidenceIn, or the form state with its errors."""
    return _parse(EvidenceIn, EVIDENCE, values)


def correction_values(form: FormData, seq: int) -> dict[str, Any]:
    """The correction form's fields as submitted, with the seq of the entry it corrects."""
    return {name: _text(form, name) for name in CORRECTION_FIELDS} | {"seq": seq}


def parse_correction(values: dict[str, Any]) -> CorrectionIn | FormState:
    """A CorrectionIn (without corrected values when the monitor chose to withdraw), or the errors."""
    given = {
        name: value
        for name, value in values.items()
        if name == "reason" or (name in CORRECTION_VALUES and values.get("action") != "withdraw")
    }
    parsed = _parse(CorrectionIn, f"{CORRECTION}-{values['seq']}", given)
    if isinstance(parsed, FormState):
        parsed.values = values
    return parsed


def translation_values(form: FormData) -> dict[str, Any]:
    """A translation form's fields as submitted."""
    return {name: _text(form, name) for name in TRANSLATION_FIELDS}


def parse_translation(values: dict[str, Any], prefix: str) -> TranslationIn | FormState:
    """A TranslationIn, or the form state with its errors (a missing translator's on its field)."""
    parsed = _parse(TranslationIn, prefix, values)
    if isinstance(parsed, FormState) and "form" in parsed.errors:
        # The model's own rule (an unofficial translation names its translator) has no field of its own.
        del parsed.errors["form"]
        parsed.errors.setdefault("translator", FieldError(TRANSLATOR_REQUIRED))
    return parsed


def blank_assessment() -> FormState:
    """The assessment form as first shown."""
    return FormState(ASSESSMENT, {"perspective": "independent", "evidence_ids": []})


def blank_evidence() -> FormState:
    """The evidence form as first shown."""
    return FormState(EVIDENCE, {"kind": "other", "visibility": "public"})


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    # Browsers send CRLF line ends from text areas; the API's clients send LF: store one kind.
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def _parse(model: type[BaseModel], prefix: str, values: dict[str, Any], **typed: Any) -> Any:
    # An empty optional field means "not given", as a missing JSON member does in the API.
    data = {name: value for name, value in values.items() if value not in ("", None)} | typed
    # PostgreSQL text cannot hold NUL; no browser sends it, so it is refused like any invalid character.
    errors: dict[str, FieldError] = {
        name: FieldError(INVALID) for name, value in values.items() if "\x00" in str(value)
    }
    if errors:
        return FormState(prefix, values, errors)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for issue in error.errors():
            name = str(issue["loc"][0]) if issue["loc"] else "form"
            params = {"max": issue["ctx"]["max_length"]} if issue["type"] == "string_too_long" else {}
            errors.setdefault(name, FieldError(error_message(issue), params))
        return FormState(prefix, values, errors)


REQUIRED = N_("This field is required.")
INVALID = N_("This value is not valid.")
NOT_LINKED = N_("Only evidence linked to this recommendation can be cited.")
ALREADY_LINKED = N_("This evidence is already linked to this recommendation.")
TRANSLATOR_REQUIRED = N_("An unofficial translation names its translator: say who translated it.")
ORIGINAL_LANGUAGE = N_("The original is written in this language: choose another one.")


def error_message(issue: ErrorDetails) -> str:
    """The message (untranslated) for one pydantic error."""
    kind = issue["type"]
    reason = str(issue.get("ctx", {}).get("error", ""))
    if kind == "missing":
        return REQUIRED
    if kind == "string_too_short":
        return REQUIRED if issue.get("input") in ("", None) else N_("This is too short.")
    if kind == "string_too_long":
        return N_("This is too long: at most %(max)s characters.")
    if kind in ("literal_error", "enum"):
        return N_("Choose one of the options.")
    if kind.startswith("date_"):
        return N_("Enter a valid date.")
    if "future" in reason:
        return N_("The date must not be in the future.")
    if "1945" in reason:
        return N_("The date must be in 1945 or later.")
    if issue["loc"] and issue["loc"][0] == "url":
        return N_("Enter an http or https address with a host.")
    return INVALID


MAX_FIELDS = 200


async def posted_form(request: Request) -> FormData:
    """The request's form fields (URL-encoded or multipart, no files); 400 unless they are UTF-8."""
    # Starlette would decode other bytes as replacement characters or Latin-1 and store mojibake.
    if not _is_utf8_form(await request.body(), request.headers.get("content-type", "")):
        raise BadRequest("The form was not sent as UTF-8 text; nothing was saved.")
    return await request.form(max_files=0, max_fields=MAX_FIELDS)


def _is_utf8_form(body: bytes, content_type: str) -> bool:
    try:
        body.decode("utf-8")  # multipart parts without files, and URL-encoded bodies, are text
    except UnicodeDecodeError:
        return False
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return True
    try:
        for pair in body.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


FormDep = Annotated[FormData, Depends(posted_form)]
