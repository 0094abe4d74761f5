"""The OpenAPI document as generated clients need it: problem+json, bearer auth, headers, stable ids."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

from app.auth import TOKEN_OPTIONAL, TOKEN_REQUIRED
from app.errors import PROBLEM_MEDIA_TYPE, Problem

BEARER, OPTIONAL = TOKEN_REQUIRED.scheme_name, TOKEN_OPTIONAL.scheme_name
PROBLEM = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
ETAG = {"ETag": {"description": "The version of what was read or written.", "schema": {"type": "string"}}}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags you already have (or *): 304 Not Modified when one still matches.",
    "schema": {"type": "string"},
}
REPLAYED = {
    "description": "true when this is the stored response to an earlier request with the same key.",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER = {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}


# Generated clients name their methods after these: never change one (v1 only grows).
OPERATION_IDS = {
    "healthz": "checkLiveness",
    "readyz": "checkReadiness",
    "list_sources": "listSources",
    "list_recommendations": "listRecommendations",
    "get_recommendation": "getRecommendation",
    "get_history": "getRecommendationHistory",
    "get_suggestions": "suggestLinks",
    "post_assessment": "recordAssessment",
    "post_evidence": "linkEvidence",
    "delete_evidence": "unlinkEvidence",
    "get_evidence": "findEvidence",
    "lookup_evidence": "lookupEvidence",
    "post_link": "linkRecommendations",
    "delete_link": "unlinkRecommendations",
    "list_links": "listLinks",
    "get_feed": "getHistoryFeed",
    "get_verify": "verifyHistory",
    "get_checkpoints": "listCheckpoints",
    "get_latest_checkpoint": "getLatestCheckpoint",
    "get_consistency_proof": "getConsistencyProof",
    "get_inclusion_proof": "getInclusionProof",
    "post_withdrawal": "withdrawHistoryEntry",
    "post_correction": "correctHistoryEntry",
    "post_translation": "recordTranslation",
    "get_source_translations": "getSourceTitleTranslations",
    "get_section_translations": "getSectionTitleTranslations",
    "post_source_translation": "recordSourceTitleTranslation",
    "post_section_translation": "recordSectionTitleTranslation",
    "post_import": "importFile",
    "get_me": "getMe",
    "get_monitors": "listMonitors",
    "post_monitor": "createMonitor",
    "post_token": "issueToken",
    "delete_token": "revokeToken",
    "get_scorecard": "getScorecard",
    "get_claim_gaps": "listClaimGaps",
    "get_claim_gap_classes": "listClaimGapsByClass",
    "get_commitment_gaps": "listCommitmentGaps",
    "get_scorecard_changes": "listStatusChanges",
    "get_scorecard_series": "getScorecardSeries",
    "get_matrix": "getMatrix",
    "get_matrix_json": "getMatrixJson",
    "get_matrix_csv": "getMatrixCsv",
    "get_matrix_xlsx": "getMatrixXlsx",
    "get_matrix_docx": "getMatrixDocx",
    "get_matrix_html": "getMatrixHtml",
    "get_matrix_pdf": "getMatrixPdf",
    "get_scorecard_csv": "getScorecardCsv",
    "get_scorecard_pdf": "getScorecardPdf",
}


def operation_id(route: APIRoute) -> str:
    """The route's stable operationId; pages outside the schema keep FastAPI's generated one."""
    return OPERATION_IDS.get(route.name) or generate_unique_id(route)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The schema FastAPI generates, completed with what it leaves out (built once per app)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schemas["Problem"].pop("$defs", {}).items():
        schemas[name] = definition
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `rectrack monitors create` or an admin, sent as `Bearer rt_...`.",
        }
    }
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            _complete(operation)
    app.openapi_schema = schema
    return schema


def _complete(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = {"description": "Invalid request", "content": PROBLEM}
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if schemes:
        # Any route that reads a token answers 401 to a bad one, and to none when public reads are off.
        responses.setdefault("401", {"description": "No valid token", "content": PROBLEM})
        operation["security"] = [{BEARER: []}] if BEARER in schemes else [{}, {BEARER: []}]
    success = next((responses[code] for code in ("200", "201") if code in responses), None)
    parameters = operation.get("parameters", [])
    if "304" in responses and not any(parameter["name"] == "If-None-Match" for parameter in parameters):
        operation["parameters"] = [*parameters, IF_NONE_MATCH]
    if success is not None and ("304" in responses or "412" in responses):
        success.setdefault("headers", {}).update(ETAG)
    if success is not None and any(parameter["name"] == "Idempotency-Key" for parameter in parameters):
        success.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED
    if "429" in responses:
        responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
