"""Choose and build the LLM provider from the settings."""

from __future__ import annotations

import functools
from collections.abc import Callable

from cvchat.domain.ports import LlmProvider
from cvchat.infrastructure.llm.anthropic import AnthropicProvider
from cvchat.infrastructure.llm.fake import FakeProvider
from cvchat.infrastructure.llm.gemini import GeminiProvider
from cvchat.infrastructure.llm.local import LocalProvider
from cvchat.infrastructure.settings import Settings


def provider_factory(settings: Settings) -> Callable[[], LlmProvider]:
    """A factory for the provider DESIGN.md section 5 picks; a missing key for a chosen provider stops start-up.

    `LLM_PROVIDER` unset picks the first provider that has a key, else `local` (`Settings.provider`). The SDK
    providers are built once, on first use, and shared by every run: the Anthropic one keeps a pooled client.
    """
    match settings.provider:
        case "fake":
            return lambda: FakeProvider(
                settings.fake_llm_tokens, settings.fake_llm_delay_ms, settings.fake_llm_fail_after
            )
        case "local":
            return lambda: LocalProvider(pace_ms=settings.local_pace_ms)
        case "anthropic":
            anthropic_key = _required_key(settings, settings.anthropic_api_key, "ANTHROPIC_API_KEY")
            return functools.cache(
                lambda: AnthropicProvider(anthropic_key, settings.anthropic_model, settings.anthropic_base_url)
            )
        case "google":
            gemini_key = _required_key(settings, settings.gemini_api_key, "GEMINI_API_KEY")
            return functools.cache(lambda: GeminiProvider(gemini_key, settings.gemini_model, settings.gemini_base_url))


def _required_key(settings: Settings, key: str | None, setting: str) -> str:
    if key is None or not key.strip():
        raise SystemExit(
            f"invalid setting: {setting} is required when LLM_PROVIDER={settings.llm_provider or settings.provider}"
        )
    return key.strip()
