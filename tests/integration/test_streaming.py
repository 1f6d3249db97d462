"""Runs and their event streams over real HTTP and SSE, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy import event

from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio


async def test_a_run_streams_queued_running_tokens_final_and_done(server: LiveServer) -> None:
    alice = await server.user("alice")
    accepted = await server.ask(alice, await server.thread(alice))
    assert accepted["status"] == "queued"
    frames = await server.frames(accepted["stream_url"])
    assert frames[0].retry == server.settings.sse_retry_ms
    events = events_of(frames)
    assert [int(f.id) for f in events] == list(range(1, len(events) + 1))
    assert [f.event for f in events[:2]] == ["state", "state"]
    assert [f.json()["status"] for f in events[:2]] == ["queued", "running"]
    tokens = [f.json()["text"] for f in events if f.event == "token"]
    assert "".join(tokens) == "".join(f"tok{i} " for i in range(10))
    final = events[-2].json()
    assert (events[-2].event, final["text"], final["usage"]["output_tokens"]) == ("final", "".join(tokens), 10)
    assert (events[-1].event, events[-1].json()["status"]) == ("state", "done")
    assert frames[-1].event == "done"
    assert frames[-1].json() == {"run_id": accepted["run_id"], "status": "done", "last_seq": len(events)}
    run = await server.run(alice, accepted["run_id"])
    assert (run["status"], run["last_seq"], run["provider"], run["usage"]["output_tokens"]) == (
        "done",
        len(events),
        "fake",
        10,
    )


async def test_resume_from_every_position_returns_exactly_the_missing_events(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    full = events_of(await server.frames(accepted["stream_url"]))
    last = int(full[-1].id)
    url = f"/api/runs/{accepted['run_id']}/events"
    for position in range(last):
        resumed = events_of(await server.frames(url, alice.headers | {"Last-Event-ID": str(position)}))
        assert [(f.id, f.event, f.data) for f in resumed] == [(f.id, f.event, f.data) for f in full[position:]]
    by_query = events_of(await server.frames(f"{url}?after=10", alice.headers))
    assert [f.id for f in by_query] == [f.id for f in full[10:]]


async def test_reconnect_at_the_end_answers_204_and_beyond_it_400(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    last = events_of(await server.frames(accepted["stream_url"]))[-1].id
    url = f"/api/runs/{accepted['run_id']}/events"
    at_end = await server.http.get(url, headers=alice.headers | {"Last-Event-ID": last})
    assert at_end.status_code == 204
    beyond = await server.http.get(url, headers=alice.headers | {"Last-Event-ID": str(int(last) + 1)})
    assert beyond.status_code == 400
    assert beyond.headers["content-type"].startswith("application/problem+json")
    for bad in ("abc", "-1", "1.5", "", "²".encode("latin-1"), "9" * 5000, str(2**31)):
        response = await server.http.get(url, headers=alice.headers | {"Last-Event-ID": bad})
        assert response.status_code == 400, bad
        assert "Last-Event-ID" in response.json()["detail"]
    assert (await server.http.get(f"{url}?after=-3", headers=alice.headers)).status_code == 400


@pytest.mark.parametrize("settings_overrides", [{"fake_llm_tokens": 40, "fake_llm_delay_ms": 15.0}])
async def test_two_subscribers_one_joining_mid_run_see_identical_sequences(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    first = asyncio.create_task(server.frames(accepted["stream_url"]))
    early = await server.frames(accepted["stream_url"], limit=8)
    assert len(events_of(early)) == 8
    late = asyncio.create_task(server.frames(accepted["stream_url"]))
    first_frames, late_frames = await asyncio.gather(first, late)
    assert [(f.id, f.data) for f in events_of(first_frames)] == [(f.id, f.data) for f in events_of(late_frames)]
    run = await server.run(alice, accepted["run_id"])
    assert int(events_of(late_frames)[-1].id) == run["last_seq"]


@pytest.mark.parametrize(
    "settings_overrides", [{"sse_heartbeat_s": 0.2, "fake_llm_tokens": 3, "fake_llm_delay_ms": 500.0}]
)
async def test_quiet_streams_send_ping_comments(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    chunks: list[str] = []
    async with server.http.stream("GET", accepted["stream_url"]) as response:
        async for text in response.aiter_text():
            chunks.append(text)
    body = "".join(chunks)
    assert body.startswith("retry: ")
    assert ": ping\r\n" in body
    assert "data: \r\n" not in body  # a heartbeat must not be an (empty) message
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"


async def test_events_page_serves_the_same_events_as_json(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    streamed = events_of(await server.frames(accepted["stream_url"]))
    url = f"/api/runs/{accepted['run_id']}/events/page"
    pages, after = [], 0
    while True:
        body = (await server.http.get(url, params={"after": after, "limit": 4}, headers=alice.headers)).json()
        if not body["events"]:
            break
        pages.extend(body["events"])
        after = body["next_after"]
    assert [p["seq"] for p in pages] == [int(f.id) for f in streamed]
    assert [p["event"] for p in pages] == [f.json() for f in streamed]
    assert body["status"] == "done"
    beyond = await server.http.get(url, params={"after": 2**40}, headers=alice.headers)  # past a 32-bit seq
    assert beyond.status_code == 400, beyond.text  # was a 500 on PostgreSQL (int32 out of range)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"fake_llm_tokens": 3000, "fake_llm_delay_ms": 0.5, "sse_subscriber_buffer": 2, "event_flush_ms": 2.0}],
)
async def test_a_client_that_stops_reading_slows_nothing_and_catches_up_from_the_log(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    host, port = server.base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill the pipe quickly
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(f"GET {accepted['stream_url']} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    # While that client reads nothing, the run finishes and a normal client gets every event.
    normal = events_of(await server.frames(accepted["stream_url"], timeout=60))
    run = await server.run(alice, accepted["run_id"])
    assert (run["status"], int(normal[-1].id)) == ("done", run["last_seq"])
    assert [int(f.id) for f in normal] == list(range(1, run["last_seq"] + 1))
    # Now the stalled client reads: it still gets each event exactly once, in order.
    raw = b""
    async with asyncio.timeout(30):
        while b"event: done" not in raw:
            chunk = await reader.read(65536)
            assert chunk, "connection closed early"
            raw += chunk
    writer.close()
    ids = [int(line[4:]) for line in raw.decode().splitlines() if line.startswith("id: ")]
    assert ids == list(range(1, run["last_seq"] + 1))


@pytest.mark.parametrize(
    "settings_overrides", [{"sse_heartbeat_s": 0.2, "fake_llm_tokens": 2, "fake_llm_delay_ms": 3000.0}]
)
async def test_quiet_streams_share_one_read_of_their_runs_per_heartbeat_window(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    await server.wait_status(alice, accepted["run_id"], "running")
    checks: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM runs" in statement and "run_events" not in statement:
            checks.append(statement)

    streams = [asyncio.create_task(server.frames(accepted["stream_url"], timeout=10)) for _ in range(20)]
    await asyncio.sleep(1.2)  # all open (each opening read the run too), quiet until the first token at 3 s
    event.listen(server.runtime.reader_engine.sync_engine, "before_cursor_execute", count)
    try:
        await asyncio.sleep(1.0)
    finally:
        event.remove(server.runtime.reader_engine.sync_engine, "before_cursor_execute", count)
    # 20 quiet streams, a heartbeat every 0.2 s each: 100 checks of the run in that second, one read each without
    # the sharing (96 measured). Shared, there is at most one read per window (0.02 s) however the streams' heartbeats
    # fall: at most 50, and about 25 when they are spread out.
    assert 1 <= len(checks) <= 60, len(checks)
    for stream in streams:
        stream.cancel()


@pytest.mark.parametrize(
    "settings_overrides", [{"sse_heartbeat_s": 0.2, "fake_llm_tokens": 2, "fake_llm_delay_ms": 3000.0}]
)
async def test_a_quiet_stream_ends_at_its_next_heartbeat_once_its_run_is_deleted(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id)
    stream = asyncio.create_task(server.frames(accepted["stream_url"], timeout=10))
    await server.wait_status(alice, accepted["run_id"], "running")
    await asyncio.sleep(0.3)
    assert (await server.http.delete(f"/api/threads/{thread_id}", headers=alice.headers)).status_code == 204
    async with asyncio.timeout(1.5):  # well before the first token (3 s), which will never come
        frames = await stream
    assert [f.event for f in events_of(frames)] == ["state", "state"]  # queued, running; no `done`
