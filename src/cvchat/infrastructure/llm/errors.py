"""Failures of the SDK providers as ProviderError, with the same stable codes and retry advice for every provider."""

from __future__ import annotations

import httpx2

from cvchat.domain.errors import ProviderError

AUTH_FAILED = "auth_failed"
RATE_LIMITED = "rate_limited"
OVERLOADED = "overloaded"
PROVIDER_UNAVAILABLE = "provider_unavailable"
REQUEST_REJECTED = "request_rejected"
STREAM_ERROR = "stream_error"
CONNECTION_FAILED = "connection_failed"
CONNECTION_LOST = "connection_lost"
INCOMPLETE_STREAM = "incomplete_stream"
STALLED = "stalled"
BAD_RESPONSE = "bad_response"
CONTENT_BLOCKED = "content_blocked"
MALFORMED_TOOL_ARGUMENTS = "malformed_tool_arguments"
"""The same code the assistant loop uses when a tool call's JSON does not decode."""


def status_error(
    provider: str, key_setting: str, status: int, detail: str, *, retry_after_s: float | None = None
) -> ProviderError:
    """An HTTP error status the provider answered instead of a stream.

    Args:
        provider: the provider's display name (`Anthropic`, `Gemini`).
        key_setting: the setting that holds its key, named in the message when the key is refused.
        status: the HTTP status.
        detail: the provider's own message.
        retry_after_s: the provider's advice, when it gave one; quoted in the message, never slept on here.
    """
    if status in (401, 403):
        return ProviderError(
            f"{provider} refused the API key (HTTP {status}: {detail}); check {key_setting}",
            code=AUTH_FAILED,
            retryable=False,
        )
    after = "" if retry_after_s is None else f"; retry after {retry_after_s:g} s"
    if status == 429:
        code, retryable, what = RATE_LIMITED, True, "rate-limited the request"
    elif status == 529:
        code, retryable, what = OVERLOADED, True, "is overloaded"
    elif status == 408 or status >= 500:
        code, retryable, what = PROVIDER_UNAVAILABLE, True, "is unavailable"
    else:
        code, retryable, what = REQUEST_REJECTED, False, "rejected the request"
    return ProviderError(f"{provider} {what} (HTTP {status}: {detail}){after}", code=code, retryable=retryable)


def stream_error(provider: str, kind: str, detail: str, *, retryable: bool) -> ProviderError:
    """An error the provider sent inside a stream that had already started."""
    return ProviderError(
        f"{provider} failed in the middle of the answer ({kind}: {detail})", code=STREAM_ERROR, retryable=retryable
    )


def transport_error(provider: str, exc: Exception, *, started: bool, stall_timeout_s: float) -> ProviderError:
    """A transport failure (httpx2's raw errors escape both SDKs once the body has started)."""
    if isinstance(exc, httpx2.ReadTimeout):
        return stalled(provider, stall_timeout_s)
    reason = str(exc) or type(exc).__name__
    if started:
        return ProviderError(
            f"the connection to {provider} was lost in the middle of the answer ({reason})",
            code=CONNECTION_LOST,
            retryable=True,
        )
    return ProviderError(f"could not reach {provider} ({reason})", code=CONNECTION_FAILED, retryable=True)


def stalled(provider: str, stall_timeout_s: float) -> ProviderError:
    """The provider sent nothing for `stall_timeout_s` seconds; the stream has been closed."""
    return ProviderError(
        f"{provider} sent nothing for {stall_timeout_s:g} s, so the stream was closed", code=STALLED, retryable=True
    )


def incomplete(provider: str, missing: str) -> ProviderError:
    """The body ended cleanly but without its terminal event: the answer may be cut short."""
    return ProviderError(
        f"{provider} ended the stream without {missing}; the answer may be incomplete",
        code=INCOMPLETE_STREAM,
        retryable=True,
    )


def bad_response(provider: str, exc: Exception) -> ProviderError:
    """A stream event the SDK could not parse."""
    return ProviderError(
        f"{provider} sent a response that could not be read ({type(exc).__name__})", code=BAD_RESPONSE, retryable=True
    )


def content_blocked(provider: str, reason: str) -> ProviderError:
    """The provider refused to answer, or stopped the answer, for a safety or policy reason."""
    return ProviderError(f"{provider} declined to answer ({reason})", code=CONTENT_BLOCKED, retryable=False)


def parse_seconds(value: str | None) -> float | None:
    """`"7"`, `"1.5"` or `"2s"` as seconds; None when absent or not a number (an HTTP date is not honoured)."""
    if not value:
        return None
    try:
        seconds = float(value.strip().removesuffix("s"))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
