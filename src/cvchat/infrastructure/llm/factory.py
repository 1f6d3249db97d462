"""Choose and build the LLM provider from the settings."""

from __future__ import annotations

from collections.abc import Callable

from cvchat.domain.ports import LlmProvider
from cvchat.infrastructure.llm.fake import FakeProvider
from cvchat.infrastructure.llm.local import LocalProvider
from cvchat.infrastructure.settings import Settings


def provider_factory(settings: Settings) -> Callable[[], LlmProvider]:
    """A factory for the provider DESIGN.md section 5 picks; a missing key for a chosen provider stops start-up."""
    # Until the SDK providers land (issue #5), a key alone does not pick them: only an explicit LLM_PROVIDER does.
    chosen = settings.provider if settings.llm_provider is not None else "local"
    match chosen:
        case "fake":
            return lambda: FakeProvider(
                settings.fake_llm_tokens, settings.fake_llm_delay_ms, settings.fake_llm_fail_after
            )
        case "local":
            return lambda: LocalProvider(pace_ms=30.0)
        case "anthropic" | "google" as name:
            raise SystemExit(
                f"invalid setting: LLM_PROVIDER={name} is not available in this build yet (issue #5); "
                "use LLM_PROVIDER=local or fake"
            )
