"""RFC 9457 problem details for every error, built in this one place."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from advanced_alchemy.exceptions import RepositoryError
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from cvchat.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    GoneError,
    InvalidInputError,
    InvalidPositionError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
)
from cvchat.infrastructure.cvs.pdf_text import NotAPdfError

logger = structlog.get_logger()

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ValidationIssue(msgspec.Struct, frozen=True, kw_only=True):
    """One invalid input of a `/problems/validation_error`."""

    message: str
    key: str | None = None
    source: str | None = None


class ProblemDetails(msgspec.Struct, frozen=True, kw_only=True):
    """An RFC 9457 problem: `type` is a stable `/problems/<code>`; validation problems list their `errors`."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ValidationIssue] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the problems a handler answers. 400 is always listed: it replaces Litestar's default
    `ValidationException` schema, which is not what is sent and which client generators cannot read. A route that
    authenticates (401) is also rate-limited per key (429)."""
    if 401 in statuses:
        statuses = (*statuses, 429)
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_MEDIA_TYPE,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }


_STATUS: dict[type[DomainError], int] = {
    NotAPdfError: 415,
    PayloadTooLargeError: 413,
    NotFoundError: 404,
    GoneError: 410,
    ForbiddenError: 403,
    ConflictError: 409,
    UnauthorizedError: 401,
    InvalidInputError: 422,
    InvalidPositionError: 400,
}


def _problem(status: int, code: str, detail: str, **kwargs: Any) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status, type_=f"/problems/{code}", title=HTTPStatus(status).phrase, detail=detail, **kwargs
    )


def domain_error_to_problem(exc: DomainError) -> ProblemDetailsException:
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": 'Bearer realm="cvchat"'} if status == 401 else None
    return _problem(status, exc.code, str(exc), headers=headers)


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        key, source, message = error.get("key"), error.get("source"), error.get("message", "invalid value")
        source = getattr(source, "value", source)  # Litestar gives a ParamType enum for parameters
        where = f"{source} `{key}`" if key and source else f"`{key}`" if key else "request body"
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "the request is invalid"


def http_error_to_problem(exc: HTTPException) -> ProblemDetailsException:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        return _problem(status, "validation_error", _validation_detail(errors), extra={"errors": errors})
    code = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(status).phrase else HTTPStatus(status).description
    if status == 413:
        detail = "the request body is too large"
    return _problem(status, code, detail, headers=exc.headers)


# SQLSTATEs that mean "no database to talk to": connection exceptions (08), admin/crash shutdown and "cannot connect
# now" (57P01-57P03), too many connections (53300), and a database that does not allow connections (55000, which
# PostgreSQL raises at connect time for ALLOW_CONNECTIONS false).
_UNAVAILABLE_SQLSTATE = re.compile(r"^(08...|57P0[123]|53300|55000)$")


def _is_database_unavailable(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (OperationalError, InterfaceError, PoolTimeoutError, ConnectionError, TimeoutError)):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if _UNAVAILABLE_SQLSTATE.match(str(getattr(seen, "sqlstate", "") or "")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unexpected_error_to_problem(exc: Exception) -> ProblemDetailsException:
    if _is_database_unavailable(exc):
        logger.warning("database_unavailable", error=type(exc).__name__, exc_info=exc)
        return _problem(
            503, "database_unavailable", "the database is unavailable; try again shortly", headers={"Retry-After": "5"}
        )
    logger.exception("unhandled_error", error=type(exc).__name__)
    return _problem(500, "internal_error", "an unexpected error occurred; it has been logged")


def build_problem_details_config() -> ProblemDetailsConfig:
    """Domain errors, HTTP errors, database outages and anything unexpected all become problem details."""
    return ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            DomainError: domain_error_to_problem,
            HTTPException: http_error_to_problem,
            RepositoryError: unexpected_error_to_problem,
            DBAPIError: unexpected_error_to_problem,
            OSError: unexpected_error_to_problem,
            Exception: unexpected_error_to_problem,
        },
    )
