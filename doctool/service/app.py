"""doctool over HTTP: the FastAPI application.

Every route calls the library (:mod:`doctool.api`, :mod:`doctool.batch`); nothing here
validates or renders by itself. ``create_app(settings)`` builds one application; the
``doctool serve`` command runs it on uvicorn.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import difflib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from doctool import __version__, api, loading
from doctool.accessible import large_print
from doctool.accessible.formats import FORMATS as ACCESSIBLE
from doctool.accessible.formats import formats_for_person
from doctool.batch.records import read_records
from doctool.cli import _schema_findings
from doctool.documents import DOCUMENTS
from doctool.errors import ConfigError, DoctoolError, FieldError
from doctool.profiles import load_profile
from doctool.queue.config import queue_kind
from doctool.queue.metrics import prometheus_text
from doctool.schema import SCHEMAS, schema
from doctool.service.callbacks import CallbackSender, iso, url_problem
from doctool.service.jobs import CSV_INPUT, INPUT, MAPPING, OUT, JobQueue, LocalJobQueue, batches_dir, make_job_folder
from doctool.service.logging_mw import RequestLogMiddleware, configure_logging, request_id_of
from doctool.service.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from doctool.service.problems import problem
from doctool.service.render_pool import RenderPool, RenderTimeout, RenderUnavailable
from doctool.service.retention import RetentionSweeper
from doctool.service.security import SecurityHeadersMiddleware, bearer_token, matching_hash
from doctool.service.settings import Settings
from doctool.service.store import Job, JobRows, JobStore

STATIC = Path(__file__).resolve().parent / "static"
PROFILE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,40}$"
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
#: Batch output formats, as ``doctool batch --format``.
BATCH_FORMATS = {"pdf": ("pdf",), "docx": ("docx",), "both": ("pdf", "docx")}
#: Failures listed in a batch's status; the rest are in the zip's failures file.
MAX_FAILURES_SHOWN = 1000
#: Media types read as JSON Lines (none given counts as JSON Lines, as before); text/csv needs a mapping.
JSONL_TYPES = {"", "application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines",
               "application/json", "text/plain", "application/octet-stream"}
MAPPING_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,40}$"
#: Published schema name -> its name in the OpenAPI document's components.
RECORD_COMPONENTS = {"plan": "CareAndSupportPlan", "charging-letter": "ChargingLetterRecord", "review": "CareAndSupportPlanReview"}

log = logging.getLogger("doctool.service")


# --- response models (for the OpenAPI document) -------------------------------------------


class FieldErrorOut(BaseModel):
    path: str
    message: str


class LinkOut(BaseModel):
    """Where a finding's source can be read (legislation.gov.uk, GOV.UK)."""

    url: str
    title: str


class FindingOut(BaseModel):
    rule: str
    severity: str
    path: str
    message: str
    source: str
    where: str = ""
    link: LinkOut | None = None


class ReportOut(BaseModel):
    """The same JSON as ``doctool validate --json``."""

    valid: bool
    complete: bool
    profile: str
    findings: list[FindingOut]


class Problem(BaseModel):
    """Every error: RFC 9457 problem details (``application/problem+json``). Besides the
    standard members, the stable ``error`` code, ``message`` (the same as ``detail``), the
    ``request_id``; some add more (``errors`` with JSON paths, the findings of ``validate
    --json``, ``limit``, ...)."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str
    title: str
    status: int
    detail: str
    instance: str
    error: str
    message: str
    request_id: str
    errors: list[FieldErrorOut] = []


class DocumentOut(BaseModel):
    name: str
    formats: list[str]
    not_applicable: str


class FormatOut(BaseModel):
    media_type: str
    extension: str
    description: str
    sized: bool


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]
    formats: dict[str, FormatOut]
    sets: list[str]


class FormatAskedOut(BaseModel):
    document: str
    format: str
    size: int | None = None


class PersonOut(BaseModel):
    """Whose record it is, and what they asked for (a letter record: its recipient)."""

    name: str
    preferred_name: str
    reference: str
    asked: list[str]
    large_print_size: int | None = None


class ApplicableOut(BaseModel):
    #: What the record is: ``plan``, ``review`` or ``charging_letter`` (its ``record_type``).
    record_type: str = "plan"
    documents: list[str]
    person: PersonOut | None = None
    for_person: list[FormatAskedOut] = []


class CallbackOut(BaseModel):
    """How the batch's callback went: ``pending`` (not yet, or retrying), ``delivered``, ``failed``."""

    url: str
    status: str
    attempts: int
    last_error: str | None
    last_attempt_at: str | None


class BatchLinksOut(BaseModel):
    self: str
    result: str | None


class BatchSummaryOut(BaseModel):
    """A batch; times are ISO 8601 UTC (``2026-11-02T09:30:00.123Z``)."""

    id: str
    status: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    input: str
    formats: list[str]
    profile: str
    total: int
    done: int
    skipped: int
    failed: int
    error: str | None
    result: str | None
    links: BatchLinksOut
    callback: CallbackOut | None


class BatchOut(BatchSummaryOut):
    failures: list[dict[str, Any]]
    failures_truncated: bool


class BatchListOut(BaseModel):
    batches: list[BatchSummaryOut]
    next: str | None


class HealthOut(BaseModel):
    """``ok``, or ``unavailable`` (with 503) when the queue cannot be reached."""

    status: str
    queue: str
    queue_reachable: bool


def _err(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


#: OpenAPI responses by status code, as FastAPI's ``responses=`` takes them.
Responses = dict[int | str, dict[str, Any]]

COMMON: Responses = {
    400: _err("Invalid input: not JSON, does not fit the schema (each error names its JSON path), or a bad parameter"),
    401: _err("No API key, or not a valid one (send Authorization: Bearer KEY)"),
}
BODY: Responses = {413: _err("The request body is larger than the limit")}
#: Headers on every rendered file or set (the X- names are the same, kept for older callers).
RENDER_HEADERS = {
    "Doctool-Draft": {
        "description": "`true` when the file (or any file of the set) is marked DRAFT",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "Doctool-Warnings": {
        "description": "How many warnings the findings hold (the same findings as /v1/validate)",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-Doctool-Draft": {"description": "The same as Doctool-Draft (deprecated)", "schema": {"type": "string", "enum": ["true", "false"]}},
    "X-Doctool-Warnings": {"description": "The same as Doctool-Warnings (deprecated)", "schema": {"type": "integer", "minimum": 0}},
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before asking again", "schema": {"type": "integer", "minimum": 0}}}
RENDER_ERRORS: Responses = {
    409: _err("The document does not apply to this plan"),
    422: _err("Blocking elements are missing (the findings are included); set draft=true for a marked draft"),
    503: {**_err("No render worker was free in time, or the workers were restarted: retry"), "headers": RETRY_AFTER},
    504: _err("Rendering took longer than the time limit and was stopped"),
}


# --- errors ----------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, /, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.headers, self.extra = status, error, message, headers, extra


def _error_response(request: Request, status: int, error: str, message: str, headers: dict[str, str] | None = None, /, **extra: Any) -> JSONResponse:
    body = problem(status, error, message, request_id_of(request.scope), **extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def invalid_input(exc: DoctoolError, profile: str) -> ApiError:
    """400 with the field paths, also shaped as ``validate --json`` findings."""
    report = _schema_findings(exc).as_dict()
    report["profile"] = profile
    errors = [e.as_dict() for e in exc.errors] or [{"path": "$", "message": exc.message}]
    return ApiError(400, "invalid_input", exc.message, errors=errors, **report)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the request body is larger than the limit of {limit:,} bytes", limit=limit)


# --- request bodies, read with the limit applied as the bytes arrive ---------------------------


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_body(request: Request, limit: int) -> bytes:
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def stream_to_file(request: Request, target: Path, limit: int) -> int:
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise too_large(limit)
    size = 0
    with open(target, "wb") as fh:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            fh.write(chunk)
    return size


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{RECORD_COMPONENTS[name]}"}


#: A care and support plan or a letter record: the published schemas, by reference.
RECORD = {"oneOf": [_ref(n) for n in RECORD_COMPONENTS if n in SCHEMAS]}


def json_body(description: str, schema_: dict[str, Any] | None = None, media_type: str = "application/json") -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {media_type: {"schema": schema_ or RECORD}},
        }
    }


def _rewrite_refs(node: Any, rename: dict[str, str]) -> Any:
    """``node`` with every ``#/$defs/X`` pointed at ``#/components/schemas/rename[X]``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node = {**node, "$ref": f"#/components/schemas/{rename[ref[len('#/$defs/'):]]}"}
        return {k: _rewrite_refs(v, rename) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v, rename) for v in node]
    return node


def record_components(taken: set[str]) -> dict[str, Any]:
    """The published JSON Schemas as OpenAPI components: each schema's root under its
    RECORD_COMPONENTS name and its ``$defs`` beside it (prefixed with the root's name when
    another schema already has a different one of that name), every ``#/$defs/X`` pointed
    at ``#/components/schemas/...``. The rest of each schema is unchanged, so a generated
    client's types are the published schema's; ``x-doctool-schema`` gives its ``$id``."""
    out: dict[str, Any] = {}
    for name, root in RECORD_COMPONENTS.items():
        if name not in SCHEMAS:
            continue
        doc = copy.deepcopy(schema(name))
        defs: dict[str, Any] = doc.pop("$defs", {})
        doc.pop("$schema", None)
        published = doc.pop("$id", None)
        rename = {}
        for d in defs:
            target = d if d not in taken and d not in out and d != root else f"{root}{d}"
            rename[d] = target

        for d, body in defs.items():
            out[rename[d]] = _rewrite_refs(body, rename)
        out[root] = {**_rewrite_refs(doc, rename), "x-doctool-schema": published,
                     "description": f"{doc.get('description', '')}\n\nThe published JSON Schema: GET /v1/schema/{name}".strip()}
    return out


# --- the application -------------------------------------------------------------------


def create_app(settings: Settings | None = None, queue: JobQueue | None = None) -> FastAPI:
    """The service. Refuses (ConfigError) a configuration without keys unless insecure
    no-auth mode is asked for. ``queue`` replaces the local job runner (the scale-out seam)."""
    settings = (settings or Settings.from_env()).check()
    configure_logging()
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    store: JobRows
    jobs: JobQueue
    if queue is None and queue_kind(settings.queue_url) == "redis":  # workers render; the store is in Redis
        from doctool.queue.redis_backend import Backend, RedisJobQueue

        backend = Backend(settings)
        store, jobs = backend.store, RedisJobQueue(backend)
    else:
        store = local = JobStore(data_dir / "jobs.sqlite3")
        callbacks = CallbackSender(
            store, settings.callback_secret, settings.callback_allow_loopback, settings.callback_attempts, settings.callback_backoff
        )
        jobs = queue or LocalJobQueue(
            local, data_dir, settings.batch_workers, settings.concurrent_batches, callbacks=callbacks if settings.callback_secret else None
        )
    pool = RenderPool(settings.render_workers, settings.render_timeout)
    sweeper = RetentionSweeper(store, data_dir, settings.retention_seconds, settings.retention_interval)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        sweeper.start()
        pool.warm()
        try:
            yield
        finally:
            await asyncio.to_thread(jobs.stop)
            await asyncio.to_thread(sweeper.stop)
            await asyncio.to_thread(pool.close)

    app = FastAPI(
        title="doctool",
        version=__version__,
        summary="Validate care and support plans and produce the documents a person receives.",
        description=(
            "Every /v1 route needs an API key: `Authorization: Bearer KEY`. Errors are RFC 9457 problem "
            "details (`application/problem+json`: `type`, `title`, `status`, `detail`, `instance`) with the "
            "stable `error` code and the `request_id`; input errors name JSON paths. Request bodies are the "
            "published JSON Schemas (components `CareAndSupportPlan` and `ChargingLetterRecord`, also at GET /v1/schema/{name})."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings, app.state.store, app.state.jobs, app.state.pool = settings, store, jobs, pool
    app.add_middleware(RequestLogMiddleware, routes=lambda: app.routes)
    app.add_middleware(SecurityHeadersMiddleware)

    # --- error handlers: JSON, never a traceback ---

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(request, exc.status, exc.error, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"path": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", "is not valid"))}
            for e in exc.errors()
        ]
        return _error_response(request, 400, "invalid_request", "a parameter is missing or not valid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type", 413: "too_large"}
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        message = {"Not Found": "there is no such route", "Method Not Allowed": "this route does not take that method"}.get(message, message)
        return _error_response(request, exc.status_code, codes.get(exc.status_code, "http_error"), message, getattr(exc, "headers", None))

    # --- authentication ---

    bearer = HTTPBearer(auto_error=False, description="An API key made with `doctool keys new`")

    async def require_key(request: Request, _creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
        """The matching key hash (the caller's identity for batch ownership)."""
        if not settings.auth_enabled:
            return ""
        found = matching_hash(bearer_token(request.headers.get("authorization")), settings.api_key_hashes)
        if found is None:
            raise ApiError(
                401,
                "unauthorized",
                "a valid API key is required: send Authorization: Bearer KEY",
                headers={"WWW-Authenticate": 'Bearer realm="doctool"'},
            )
        return found

    def check_profile(profile: str) -> None:
        try:
            load_profile(profile)
        except ConfigError as exc:
            raise ApiError(400, "invalid_profile", exc.message, errors=[{"path": "query.profile", "message": exc.message}]) from None

    profile_query = Query("england", pattern=PROFILE_PATTERN, max_length=41, description="Council profile name")

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=COMMON)

    @v1.post(
        "/validate",
        summary="Validate a plan or letter record",
        response_model=ReportOut,
        responses={**BODY, 200: {"description": "The findings (the same JSON as `doctool validate --json`)"}},
        openapi_extra=json_body("A care and support plan or a letter record (see GET /v1/schema/{name})"),
    )
    async def validate(request: Request, profile: str = profile_query) -> JSONResponse:
        raw = await read_body(request, settings.max_body_bytes)
        check_profile(profile)
        try:
            prepared = await run_in_threadpool(api.prepare, raw, profile)
        except DoctoolError as exc:
            raise invalid_input(exc, profile) from None
        return JSONResponse(prepared.report.as_dict())

    format_names = list(api.ALL_FORMATS)
    media_types = sorted({api.format_media(f)[0] for f in format_names})

    @v1.get("/documents", summary="The documents, formats and sets this service produces", response_model=DocumentsOut)
    async def list_documents() -> dict[str, Any]:
        return {
            "documents": [
                {"name": name, "formats": list(api.ALL_FORMATS), "not_applicable": kind.not_applicable}
                for name, kind in DOCUMENTS.items()
            ],
            "formats": {name: _format_out(name) for name in format_names},
            "sets": list(api.SETS),
        }

    @v1.post(
        "/applicable",
        summary="The documents that apply to this plan, review or letter record",
        response_model=ApplicableOut,
        responses=BODY,
        openapi_extra=json_body("A care and support plan"),
    )
    async def applicable(request: Request) -> dict[str, Any]:
        raw = await read_body(request, settings.max_body_bytes)
        # A plan or a letter record, with the loader the library uses (plans only before letters).
        load = getattr(loading, "load_document_bytes", loading.load_plan_bytes)
        try:
            plan = await run_in_threadpool(load, raw)
        except DoctoolError as exc:
            raise invalid_input(exc, "") from None
        documents = api.applicable(plan)
        record_type = str(getattr(plan, "record_type", "plan"))
        return {"record_type": record_type, "documents": documents, **_person_view(plan, documents)}

    def rendered(request: Request, result: Any, profile: str) -> Response:
        """A worker's result as the response: the file, or the error it stands for."""
        if result.kind == "ok":
            return Response(
                result.content,
                media_type=result.media_type,
                headers={
                    "Content-Disposition": f'attachment; filename="{result.filename}"',
                    "Doctool-Draft": "true" if result.draft else "false",
                    "Doctool-Warnings": str(result.warnings),
                    "X-Doctool-Draft": "true" if result.draft else "false",
                    "X-Doctool-Warnings": str(result.warnings),
                },
            )
        if result.kind == "incomplete":
            raise ApiError(422, "incomplete", result.message + "; set draft=true for a marked draft", **(result.report or {}))
        if result.kind == "not_applicable":
            raise ApiError(409, "not_applicable", result.message)
        if result.kind == "config_error":
            log.error("render configuration error", extra={"request_id": request_id_of(request.scope), "error_type": "ConfigError"})
            raise ApiError(500, "configuration", result.message)
        raise invalid_input(DoctoolError(result.message, [FieldError(p, m) for p, m in result.errors]), profile)

    async def in_worker(call: Any, *args: Any) -> Any:
        try:
            return await call(*args)
        except RenderTimeout as exc:
            raise ApiError(504, "render_timeout", str(exc), timeout_seconds=settings.render_timeout) from None
        except RenderUnavailable as exc:
            raise ApiError(503, "render_unavailable", f"{exc}; try again shortly", headers={"Retry-After": "5"}) from None

    def bad_parameter(exc: DoctoolError) -> ApiError:
        errors = [{"path": f"query.{e.path}", "message": e.message} for e in exc.errors] or [{"path": "query", "message": exc.message}]
        return ApiError(400, "invalid_request", exc.message, errors=errors)

    @v1.post(
        "/documents/{document}",
        summary="Render one document in one format (standard or accessible)",
        response_class=Response,
        responses={
            **BODY,
            200: {
                "description": "The file, as an attachment named from the record's reference",
                "content": {mt: {"schema": {"type": "string", "format": "binary"}} for mt in media_types},
                "headers": RENDER_HEADERS,
            },
            404: _err("No such document"),
            **RENDER_ERRORS,
        },
        openapi_extra=json_body("A care and support plan or a letter record"),
    )
    async def render(
        request: Request,
        document: str = PathParam(..., max_length=64, description=f"One of: {', '.join(DOCUMENTS)} (GET /v1/documents)"),
        format: str = Query(..., description="Output format (GET /v1/documents lists each document's)", json_schema_extra={"enum": format_names}),
        draft: bool = Query(False, description="Render a marked DRAFT even when blocking elements are missing"),
        size: int | None = Query(None, ge=12, le=72, description="Print size in points, for large-print-* (14 to 72) and clear-print-* (12 to 14) only"),
        profile: str = profile_query,
    ) -> Response:
        if document not in DOCUMENTS:
            close = difflib.get_close_matches(document, list(DOCUMENTS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ApiError(404, "unknown_document", f"there is no such document{hint}", documents=list(DOCUMENTS))
        try:
            api.Selection.one(document, format, size)
        except DoctoolError as exc:
            raise bad_parameter(exc) from None
        raw = await read_body(request, settings.max_body_bytes)
        check_profile(profile)
        return rendered(request, await in_worker(pool.run, raw, document, format, profile, draft, size), profile)

    @v1.post(
        "/documents",
        summary="Render a set of documents as one zip: every document that applies, or what the person asked for",
        response_class=Response,
        responses={
            **BODY,
            200: {
                "description": (
                    "A zip of the files (named from the record's reference) and manifest.json (each file's sha256, "
                    "the findings); the same set gives the same bytes"
                ),
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                "headers": RENDER_HEADERS,
            },
            **RENDER_ERRORS,
        },
        openapi_extra=json_body("A care and support plan or a letter record"),
    )
    async def render_documents(
        request: Request,
        set: str = Query(
            ...,
            description="`all`: every document that applies, in PDF and Word; `for-person`: those plus exactly the "
            "formats the person's communication record asks for",
            json_schema_extra={"enum": list(api.SETS)},
        ),
        draft: bool = Query(False, description="Render marked DRAFTs even when blocking elements are missing"),
        profile: str = profile_query,
    ) -> Response:
        try:
            api.Selection.named(set)
        except DoctoolError as exc:
            raise bad_parameter(exc) from None
        raw = await read_body(request, settings.max_body_bytes)
        check_profile(profile)
        return rendered(request, await in_worker(pool.run_set, raw, set, profile, draft), profile)

    @v1.get("/schema", summary="The names of the published JSON Schemas")
    async def schema_names() -> dict[str, list[str]]:
        return {"schemas": list(SCHEMAS)}

    @v1.get(
        "/schema/{name}",
        summary="A published JSON Schema",
        responses={
            200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}, "description": "The JSON Schema"},
            404: _err("No such schema"),
        },
        response_class=JSONResponse,
    )
    async def get_schema(name: str = PathParam(..., max_length=64)) -> JSONResponse:
        if name not in SCHEMAS:
            raise ApiError(404, "unknown_schema", "there is no such schema", schemas=list(SCHEMAS))
        return JSONResponse(schema(name), media_type="application/schema+json")

    # --- batches ---

    def mapping_names() -> list[str]:
        folder = settings.mappings_dir
        return sorted(p.stem for p in folder.glob("*.toml")) if folder is not None else []

    poll = {"Retry-After": str(settings.poll_seconds)}

    def batch_input_type(request: Request, mapping: str | None) -> str:
        """``jsonl`` or ``csv`` from the Content-Type; 415 for anything else."""
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media == "text/csv":
            if not mapping:
                raise ApiError(400, "invalid_request", "a CSV batch needs mapping=NAME, one of the service's CSV mappings",
                               errors=[{"path": "query.mapping", "message": "required for text/csv"}], mappings=mapping_names())
            return "csv"
        if media not in JSONL_TYPES:
            raise ApiError(415, "unsupported_media_type",
                           "a batch is JSON Lines (application/x-ndjson) or, with mapping=NAME, CSV (text/csv)")
        if mapping:
            raise ApiError(400, "invalid_request", "mapping is for CSV batches: send the body as text/csv",
                           errors=[{"path": "query.mapping", "message": "only with Content-Type: text/csv"}])
        return "jsonl"

    def mapping_file(mapping: str) -> Path:
        found = settings.mappings_dir / f"{mapping}.toml" if settings.mappings_dir and re.match(MAPPING_PATTERN, mapping) else None
        if found is None or not found.is_file():
            raise ApiError(400, "unknown_mapping", f"there is no CSV mapping named {mapping!r} on this service",
                           errors=[{"path": "query.mapping", "message": "not one of the service's CSV mappings"}],
                           mappings=mapping_names())
        return found

    async def checked_callback(callback_url: str | None) -> str | None:
        if callback_url is None:
            return None
        if not settings.callback_secret:
            raise ApiError(400, "invalid_request", "this service sends no callbacks (no callback secret is configured)",
                           errors=[{"path": "query.callback_url", "message": "callbacks are not configured"}])
        problem_ = await run_in_threadpool(url_problem, callback_url, settings.callback_allow_loopback)
        if problem_:
            raise ApiError(400, "invalid_request", f"the callback URL cannot be used: {problem_}",
                           errors=[{"path": "query.callback_url", "message": problem_}])
        return callback_url

    @v1.post(
        "/batches",
        summary="Submit letter records (JSON Lines, or CSV with a named mapping) to render in the background",
        status_code=202,
        response_model=BatchOut,
        responses={
            **BODY,
            202: {"description": "Accepted: poll Location (Retry-After says when) or wait for the callback",
                  "headers": {**RETRY_AFTER, "Location": {"description": "The batch's status", "schema": {"type": "string"}}}},
            415: _err("The body is neither JSON Lines nor CSV"),
            429: {**_err("The key has too many batches queued or running"), "headers": RETRY_AFTER},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "Charging letter records (the ChargingLetterRecord schema): one JSON object per line (JSON Lines), "
                "or a CSV export read with the named mapping (mapping=NAME, Content-Type: text/csv)",
                "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        },
    )
    async def submit_batch(
        request: Request,
        format: str = Query("pdf", description="pdf, docx or both", json_schema_extra={"enum": list(BATCH_FORMATS)}),
        profile: str = profile_query,
        mapping: str | None = Query(None, max_length=41, description="For a CSV body (text/csv): the name of one of the service's CSV mappings"),
        callback_url: str | None = Query(
            None, max_length=2048,
            description="POSTed a signed JSON body when the batch finishes (https only; see Doctool-Signature in the docs)",
        ),
        owner: str = Depends(require_key),
    ) -> JSONResponse:
        if format not in BATCH_FORMATS:
            raise ApiError(400, "invalid_request", "format must be pdf, docx or both",
                           errors=[{"path": "query.format", "message": "must be one of pdf, docx, both"}])
        kind = batch_input_type(request, mapping)
        map_path = mapping_file(mapping) if kind == "csv" and mapping else None
        check_profile(profile)
        callback = await checked_callback(callback_url)
        if await run_in_threadpool(jobs.open_count, owner) >= settings.max_open_batches:
            raise ApiError(429, "too_many_batches",
                           f"this key already has {settings.max_open_batches} batches queued or running; wait for one to finish",
                           headers={"Retry-After": str(max(settings.poll_seconds, 30))}, limit=settings.max_open_batches)
        job_id = uuid.uuid4().hex
        folder = make_job_folder(data_dir, job_id)
        target = folder / (CSV_INPUT if kind == "csv" else INPUT)
        try:
            if map_path is not None:
                shutil.copyfile(map_path, folder / MAPPING)
            size = await stream_to_file(request, target, settings.max_batch_bytes)
            if kind == "csv":
                problem_ = await run_in_threadpool(_csv_problem, target, folder / MAPPING) if size else "no records"
                what = "a CSV the mapping can read"
            else:
                problem_ = await run_in_threadpool(_first_record_problem, target) if size else "no records"
                what = "JSON Lines of letter records"
            if problem_:
                raise ApiError(400, "invalid_input", f"the batch is not {what}: {problem_}", errors=[{"path": "$", "message": problem_}])
            await run_in_threadpool(jobs.submit, job_id, target, BATCH_FORMATS[format], profile, owner, callback)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = jobs.status(job_id)
        assert job is not None
        return JSONResponse(_batch_view(job, data_dir), status_code=202, headers={"Location": f"/v1/batches/{job_id}", **poll})

    def owned_job(job_id: str, owner: str) -> Job:
        job = jobs.status(job_id) if JOB_ID.match(job_id) else None
        if job is None or (settings.auth_enabled and job.owner != owner):
            raise ApiError(404, "unknown_batch", "there is no such batch (or it was deleted after the retention time)")
        return job

    @v1.get(
        "/batches",
        summary="The caller's own batches, newest first",
        response_model=BatchListOut,
        responses={200: {"description": "A page of batches; `next` (and a Link header) gives the next page",
                         "headers": {"Link": {"description": '`<...>; rel="next"` when there are more', "schema": {"type": "string"}}}}},
    )
    async def list_batches(
        limit: int = Query(20, ge=1, le=100, description="Batches per page"),
        cursor: str | None = Query(None, max_length=200, pattern=r"^[A-Za-z0-9_=-]+$", description="From the previous page's `next`"),
        owner: str = Depends(require_key),
    ) -> JSONResponse:
        before = _decode_cursor(cursor) if cursor else None
        found = await run_in_threadpool(jobs.list_for, owner, limit + 1, before)
        page, more = found[:limit], len(found) > limit
        nxt = f"/v1/batches?limit={limit}&cursor={_encode_cursor(page[-1])}" if more and page else None
        body = {"batches": [_batch_summary(j) for j in page], "next": nxt}
        return JSONResponse(body, headers={"Link": f'<{nxt}>; rel="next"'} if nxt else None)

    @v1.get(
        "/batches/{job_id}",
        summary="A batch's progress and failures",
        response_model=BatchOut,
        responses={200: {"description": "The batch (Retry-After while it is queued or running)", "headers": RETRY_AFTER},
                   404: _err("No such batch")},
    )
    async def batch_status(job_id: str = PathParam(..., max_length=64), owner: str = Depends(require_key)) -> JSONResponse:
        job = owned_job(job_id, owner)
        return JSONResponse(await run_in_threadpool(_batch_view, job, data_dir), headers=poll if job.status in ("queued", "running") else None)

    @v1.delete(
        "/batches/{job_id}",
        summary="Delete a batch now: its row, input, letters, zip and failures",
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "Deleted"},
            404: _err("No such batch"),
            409: {**_err("The batch is running: delete it when it has finished (Retry-After)"), "headers": RETRY_AFTER},
        },
    )
    async def delete_batch(job_id: str = PathParam(..., max_length=64), owner: str = Depends(require_key)) -> Response:
        job = owned_job(job_id, owner)
        if not await run_in_threadpool(jobs.delete, job.id):
            raise ApiError(409, "batch_running", "the batch is running; delete it once it has finished (it keeps no input after that)",
                           headers=poll, batch_status="running")
        return Response(status_code=204)

    @v1.get(
        "/batches/{job_id}/result",
        summary="The batch's letters and manifest as a zip",
        response_class=FileResponse,
        responses={
            200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}, "description": "The zip"},
            404: _err("No such batch"),
            409: _err("The batch has not finished yet, or it failed"),
        },
    )
    async def batch_result(job_id: str = PathParam(..., max_length=64), owner: str = Depends(require_key)) -> Response:
        job = owned_job(job_id, owner)
        if job.status != "done":
            raise ApiError(409, "not_ready", f"the batch is {job.status}; the result exists once it is done",
                           headers=poll if job.status in ("queued", "running") else None, batch_status=job.status)
        # the zip in this machine's data folder (a worker may have the shared folder mounted elsewhere)
        path = batches_dir(data_dir) / job.id / OUT / Path(job.result_path or "").name
        if not job.result_path or not path.is_file():
            raise ApiError(404, "unknown_batch", "the result was deleted after the retention time")
        return FileResponse(path, media_type="application/zip", filename=f"batch-{job.id}.zip", content_disposition_type="attachment")

    app.include_router(v1)

    # --- outside /v1: health, the page ---

    @app.get("/healthz", summary="Liveness and whether the queue can be reached (no key needed)", response_model=HealthOut,
             responses={503: {"model": HealthOut, "description": "The queue (Redis) cannot be reached"}}, tags=["health"])
    async def healthz() -> JSONResponse:
        health = await run_in_threadpool(jobs.health)
        body = {"status": "ok" if health["reachable"] else "unavailable", "queue": health["queue"], "queue_reachable": health["reachable"]}
        return JSONResponse(body, status_code=200 if health["reachable"] else 503)

    @app.get("/metrics", summary="Counts for monitoring, in Prometheus text format (no key needed)",
             response_class=PlainTextResponse, tags=["health"])
    async def metrics() -> PlainTextResponse:
        text = await run_in_threadpool(lambda: prometheus_text(store, jobs.health()))
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    _tidy_openapi(app)
    return app


def _first_record_problem(path: Path) -> str:
    """Why the upload is not JSON Lines at all (judged on its first record), or "".
    Later bad lines are failures of those records, reported in the batch's status."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                return f"line {number} is not JSON"
            return "" if isinstance(record, dict) else f"line {number} is not a JSON object"
    return "no records"


def _csv_problem(path: Path, mapping: Path) -> str:
    """Why the CSV cannot be read with the mapping (``doctool batch``'s own reader), or ""."""
    try:
        return "" if read_records(path, mapping).count else "no records"
    except DoctoolError as exc:
        return exc.message.replace(str(path.parent) + "/", "")


def _encode_cursor(job: Job) -> str:
    return base64.urlsafe_b64encode(f"{job.created!r}|{job.id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        created, _, job_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        if not JOB_ID.match(job_id):
            raise ValueError(job_id)
        return float(created), job_id
    except ValueError:
        raise ApiError(400, "invalid_request", "the cursor is not one this service gave out",
                       errors=[{"path": "query.cursor", "message": "use the `next` link of the previous page"}]) from None


def _person_view(record: Any, documents: list[str]) -> dict[str, Any]:
    """Whose record it is and what they asked for, for the page: ``person`` (name, preferred
    name, reference, the formats asked for, the large print size) and ``for_person``, the
    files of the for-person set (document, format, size) in its order."""
    person = getattr(record, "person", None) or getattr(record, "recipient", None)
    reference = getattr(person, "reference", None) or getattr(record, "reference", None) or ""
    comms = [p.communication for p in (getattr(record, "person", None), getattr(record, "carer", None))
             if p is not None and getattr(p, "communication", None) is not None]
    asked = list(dict.fromkeys(getattr(f, "value", str(f)) for c in comms for f in c.formats))
    try:
        files = formats_for_person(record, documents) if comms else []  # the for-person set's own rule, easy read included
        size = large_print.asked_size(record) if "large_print" in asked else None
    except (AttributeError, DoctoolError):
        files, size = [], None
    view = None
    if person is not None:
        view = {
            "name": str(getattr(person, "full_name", None) or getattr(person, "name", None) or ""),
            "preferred_name": str(getattr(person, "preferred_name", None) or ""),
            "reference": str(reference),
            "asked": [a for a in asked if a != "standard"],
            "large_print_size": (size or large_print.LARGE_DEFAULT) if "large_print" in asked else None,
        }
    return {"person": view, "for_person": [{"document": d, "format": f, "size": o.get("size")} for d, f, o in files]}


def _format_out(name: str) -> dict[str, Any]:
    media_type, extension = api.format_media(name)
    spec = ACCESSIBLE.get(name)
    description = spec.description if spec else {"pdf": "PDF", "docx": "Word"}.get(name, name)
    return {"media_type": media_type, "extension": extension, "description": description, "sized": bool(spec and spec.sized)}


def _read_failures(path: Path) -> tuple[list[dict[str, Any]], bool]:
    failures: list[dict[str, Any]] = []
    if not path.is_file():
        return failures, False
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if len(failures) >= MAX_FAILURES_SHOWN:
                return failures, True
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            failures.append({k: entry.get(k) for k in ("line", "reference", "findings")})
    return failures, False


def _batch_summary(job: Job) -> dict[str, Any]:
    result = f"/v1/batches/{job.id}/result" if job.status == "done" else None
    callback = None
    if job.callback_url:
        callback = {
            "url": job.callback_url,
            "status": job.callback_status or "pending",
            "attempts": job.callback_attempts,
            "last_error": job.callback_error,
            "last_attempt_at": iso(job.callback_at),
        }
    return {
        "id": job.id,
        "status": job.status,
        "created_at": iso(job.created),
        "started_at": iso(job.started),
        "finished_at": iso(job.finished),
        "input": "csv" if job.input_path.endswith(".csv") else "jsonl",
        "formats": list(job.formats),
        "profile": job.profile,
        "total": job.total,
        "done": job.done,
        "skipped": job.skipped,
        "failed": job.failed,
        "error": job.error,
        "result": result,
        "links": {"self": f"/v1/batches/{job.id}", "result": result},
        "callback": callback,
    }


def _batch_view(job: Job, data_dir: Path) -> dict[str, Any]:
    failures, truncated = _read_failures(batches_dir(data_dir) / job.id / OUT / "failures.jsonl")
    return {**_batch_summary(job), "failures": failures, "failures_truncated": truncated}


def _tidy_openapi(app: FastAPI) -> None:
    """Drop FastAPI's automatic 422 'HTTPValidationError' responses (parameter errors are
    400 here, and 422 means only 'blocking elements are missing'), give every error
    response the problem details media type, and add the published record schemas."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = original()
        for item in doc.get("paths", {}).values():
            for op in item.values():
                responses = op.get("responses", {})
                ref = json.dumps(responses.get("422", {}))
                if "HTTPValidationError" in ref:
                    del responses["422"]
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        # errors are problem details: say so in every error response's media type
        for item in doc.get("paths", {}).values():
            for op in item.values():
                for code, response in op.get("responses", {}).items():
                    content = response.get("content", {})
                    if code[:1] in ("4", "5") and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        components.update(record_components(set(components)))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def create_app_from_env() -> FastAPI:
    """The factory uvicorn calls (``doctool serve``): settings from the environment."""
    return create_app(Settings.from_env())
