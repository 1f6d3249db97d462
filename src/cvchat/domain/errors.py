"""Domain errors; the web layer maps them to RFC 9457 problem details in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the application raises on purpose; `code` becomes the problem type."""

    code = "domain_error"


class NotFoundError(DomainError):
    """The thing does not exist, or belongs to someone else (the two are never told apart)."""

    code = "not_found"


class ConflictError(DomainError):
    """The request clashes with the current state."""

    code = "conflict"


class UserNameTakenError(ConflictError):
    """Another user has this name."""

    code = "user_name_taken"


class LastActiveKeyError(ConflictError):
    """Revoking this key would leave the user with no way to authenticate."""

    code = "last_active_key"


class TooManyKeysError(ConflictError):
    """The user already has as many active keys as allowed."""

    code = "too_many_keys"


class ThreadBusyError(ConflictError):
    """The thread already has a queued or running run."""

    code = "thread_busy"


class InvalidInputError(DomainError):
    """The request is well-formed but its content is not acceptable."""

    code = "invalid_input"


class IdempotencyKeyReusedError(InvalidInputError):
    """The same Idempotency-Key came with a different request."""

    code = "idempotency_key_reused"


class UnauthorizedError(DomainError):
    """Missing, unknown, expired or revoked credentials."""

    code = "unauthorized"


class ForbiddenError(DomainError):
    """The caller is known but may not do this (or the feature is disabled)."""

    code = "forbidden"


class GoneError(DomainError):
    """The thing existed but its content was deliberately removed."""

    code = "gone"


class EventsPrunedError(GoneError):
    """The run's events were deleted by retention; the run itself remains."""

    code = "events_pruned"


class RunLostError(DomainError):
    """The run was taken away from its executor (deleted, or ended by the sweeper after its lease expired)."""

    code = "run_lost"


class ProviderError(DomainError):
    """An LLM provider failed; `code` is stable and `retryable` says whether trying again may help."""

    code = "provider_error"

    def __init__(self, message: str, *, code: str = "provider_error", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class DuplicateRequestError(ConflictError):
    """Another request with the same Idempotency-Key was stored first (a race the use case resolves)."""

    code = "duplicate_request"


class InvalidPositionError(DomainError):
    """A Last-Event-ID or `after` that is not a position in the run's log."""

    code = "invalid_position"


class PayloadTooLargeError(DomainError):
    """An upload larger than the configured limit."""

    code = "payload_too_large"
