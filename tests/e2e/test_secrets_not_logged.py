"""No secret reaches the service's log: a real `cvchat serve` at DEBUG, through sign-up, key creation, authenticated
calls, failed ones, a stream read with `?token=`, secrets put in the query of logged routes, a revocation and admin
calls; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.support.processes import serving

pytestmark = pytest.mark.anyio

ADMIN_TOKEN = "adm-5f0c1e2d9b8a7f6e5d4c3b2a1908f7e6"


async def test_no_api_key_stream_token_or_admin_token_appears_in_the_log(database_url: str, tmp_path: Path) -> None:
    settings = {"log_level": "DEBUG", "admin_token": ADMIN_TOKEN, "fake_llm_tokens": 5, "fake_llm_delay_ms": 5}
    secrets: list[str] = [ADMIN_TOKEN]
    async with serving(database_url, tmp_path, "serve", settings, migrate=True) as proc:
        async with httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http:
            signed_up = (await http.post("/api/users", json={"name": "alice"})).json()
            first = {"Authorization": f"Bearer {signed_up['api_key']}"}
            created = await http.post("/api/users/me/keys", json={"name": "ci"}, headers=first)
            assert created.status_code == 201
            second = {"Authorization": f"Bearer {created.json()['api_key']}"}
            secrets += [signed_up["api_key"], created.json()["api_key"]]

            assert (await http.get("/api/users/me", headers=second)).status_code == 200
            thread = (await http.post("/api/threads", json={"title": "t"}, headers=first)).json()["thread_id"]
            accepted = (
                await http.post(f"/api/threads/{thread}/messages", json={"content": "Rust?"}, headers=first)
            ).json()
            token = accepted["stream_url"].split("token=")[1]
            secrets += [token, token.rsplit(".", 1)[1]]  # the token, and its signature alone
            async with aconnect_sse(http, "GET", accepted["stream_url"]) as source:
                assert source.response.status_code == 200
                frames = [sse async for sse in source.aiter_sse()]
            assert frames[-1].event == "done"
            # A token for the wrong run, and a wrong key, fail without echoing what was sent.
            other = f"/api/runs/{thread}/events?token={token}"
            assert (await http.get(other)).status_code in {401, 404}
            wrong = signed_up["api_key"][:-4] + "AAAA"
            secrets.append(wrong)
            assert (await http.get("/api/users/me", headers={"Authorization": f"Bearer {wrong}"})).status_code == 401
            run = (await http.get(f"/api/runs/{accepted['run_id']}", headers=second)).json()
            assert run["status"] == "done"
            # Secrets sent where they do not belong, to routes whose requests are logged with their query.
            page = f"/api/runs/{accepted['run_id']}/events/page"
            assert (await http.get(f"{page}?token={token}", headers=second)).status_code == 200
            misplaced = await http.get(f"/api/users/me?api_key={signed_up['api_key']}&note={created.json()['api_key']}")
            assert misplaced.status_code == 401

            keys = (await http.get("/api/users/me/keys", headers=second)).json()["items"]
            original = next(k for k in keys if k["name"] is None)
            assert (await http.delete(f"/api/users/me/keys/{original['key_id']}", headers=second)).status_code == 200
            assert (await http.get("/api/users/me", headers=first)).status_code == 401
            assert (await http.get(accepted["stream_url"])).status_code == 401
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            assert (await http.get("/api/admin/users", headers=admin)).status_code == 200
            bad_admin = {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}x"}
            secrets.append(ADMIN_TOKEN[:-1] + "x")
            assert (await http.get("/api/admin/users", headers=bad_admin)).status_code == 401
        proc.terminate()
        assert await proc.wait_exit(30) == 0
        log = proc.log_text()

    # The log is there, and it did record these requests (so the check below is not vacuous).
    assert '"path":"/api/users/me/keys"' in log
    assert '"path":"/api/runs/' in log and "/events/page" in log  # the misplaced token's request was logged
    assert '"status_code":401' in log
    assert "executor_started" in log
    for secret in secrets:
        assert secret not in log, f"a secret ({secret[:6]}…) was logged"
