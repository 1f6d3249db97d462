"""Settings are read once from the environment; a bad value stops start-up naming the variable."""

from __future__ import annotations

import pytest

from cvchat.infrastructure.settings import Settings


def test_values_come_from_upper_case_variables_and_empty_ones_are_unset() -> None:
    settings = Settings.from_env(
        {"MAX_CONCURRENT_RUNS": "3", "SSE_HEARTBEAT_S": "2.5", "LLM_PROVIDER": "", "HOME": "/x"}
    )
    assert (settings.max_concurrent_runs, settings.sse_heartbeat_s, settings.llm_provider) == (3, 2.5, None)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAX_CONCURRENT_RUNS": "0"}, "MAX_CONCURRENT_RUNS"),
        ({"PORT": "http"}, "PORT"),
        ({"LLM_PROVIDER": "openai"}, "LLM_PROVIDER"),
        ({"EVENT_FLUSH_MS": "-1"}, "EVENT_FLUSH_MS"),
    ],
)
def test_an_invalid_value_stops_start_up_with_a_message_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(SystemExit, match=named):
        Settings.from_env(env)


def test_database_urls_are_normalised() -> None:
    assert Settings(database_url="postgresql://u@h/db").resolved_database_url == "postgresql+asyncpg://u@h/db"
    assert Settings(database_url="postgresql+asyncpg://u@h/db").is_postgres
    with pytest.raises(SystemExit, match="DATABASE_URL"):
        _ = Settings(database_url="mysql://u@h/db").resolved_database_url


def test_the_provider_is_the_setting_else_the_first_with_a_key_else_local() -> None:
    assert Settings(llm_provider="gemini").provider == "google"
    assert Settings(anthropic_api_key="k", gemini_api_key="g").provider == "anthropic"
    assert Settings(gemini_api_key="g").provider == "google"
    assert Settings().provider == "local"
