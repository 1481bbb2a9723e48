"""The fake-server CLI's stdin commands and timeline, in process (fast, exact lines)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

import pytest
import trio

from relay_core import CallState, FakeRelayServer
from relay_trio import RelayClient, open_relay_client
from relay_trio._cli_commands import MAX_LINE, read_commands
from relay_trio._cli_log import Timeline, session_label
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

CREDENTIALS = {"proj-secret": "tok-secret"}
USAGE = "call [--context CTX] [--presses DIGITS]... [--says WORDS]... [--answered-by WHO] FROM TO"


class Commands:
    """``read_commands`` on a pipe; what it printed to out and err."""

    def __init__(self, handle: FakeRelayHandle) -> None:
        self.handle = handle
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.read_fd, self.write_fd = os.pipe()

    def send(self, text: str) -> None:
        os.write(self.write_fd, text.encode())

    async def wait_for(self, check: Callable[[], bool]) -> None:
        with trio.fail_after(5):
            while not check():
                await trio.sleep(0.005)

    async def run(self, line: str) -> tuple[list[str], list[str]]:
        """Send one command; its output lines and error lines (after a ``help`` marker)."""
        out_mark, err_mark = len(self.out.getvalue()), len(self.err.getvalue())
        self.send(f"{line}\nhelp\n")  # help's last line marks the end of the output
        await self.wait_for(lambda: "Ctrl-C stops the server." in self.out.getvalue()[out_mark:])
        out = self.out.getvalue()[out_mark:].splitlines()
        return out[: out.index("commands (one a line on standard input):")], self.err.getvalue()[
            err_mark:
        ].splitlines()


@asynccontextmanager
async def served(
    timeline: Timeline | None = None,
) -> AsyncIterator[tuple[FakeRelayHandle, Commands]]:
    server = FakeRelayServer(credentials=CREDENTIALS, on_journal=timeline)
    async with open_fake_relay_server(server) as handle, trio.open_nursery() as nursery:
        commands = Commands(handle)
        if timeline is not None:
            timeline.server = server
            nursery.start_soon(timeline.watch_closes, handle)
        nursery.start_soon(
            partial(read_commands, fd=commands.read_fd), handle, commands.out, commands.err
        )
        try:
            yield handle, commands
        finally:
            os.close(commands.write_fd)
            os.close(commands.read_fd)
            nursery.cancel_scope.cancel()


def client(handle: FakeRelayHandle, *contexts: str) -> AbstractAsyncContextManager[RelayClient]:
    return open_relay_client(
        host=handle.url, project="proj-secret", token="tok-secret", contexts=contexts
    )


@pytest.mark.trio
async def test_call_command_offers_an_inbound_call_to_the_client() -> None:
    async with served() as (handle, commands), client(handle, "office") as relay:
        out, err = await commands.run("call --context office +15553334444 +15550001111")
        assert err == []
        with trio.fail_after(5):
            call = await relay.incoming_calls().receive()
        assert call.context == "office"
        assert out == [
            f"placed inbound call {call.call_id} from +15553334444 to +15550001111 on office"
        ]
        out, _ = await commands.run("calls")
        assert out == [
            f"call {call.call_id} from +15553334444 created on office, session "
            + session_label(handle.server.sessions()[0].protocol)
        ]
        out, _ = await commands.run("sessions")
        assert out == [
            f"session {session_label(handle.server.sessions()[0].protocol)} on connection 1, "
            "contexts: office"
        ]
        await call.answer()
        out, err = await commands.run(f"hangup {call.call_id[:6]} busy")
        assert (out, err) == ([f"hanging up call {call.call_id}"], [])
        with trio.fail_after(5):
            await call.wait_for_ended()
        assert call.state is CallState.ENDED
        assert (await commands.run("calls"))[0] == ["no live calls"]


@pytest.mark.trio
async def test_a_call_nobody_receives_waits_and_the_default_context_is_office() -> None:
    async with served() as (handle, commands):
        out, _ = await commands.run("call '+1 555' sip:alice@example.com")
        assert out[0].endswith("from +1 555 to sip:alice@example.com on office")
        assert out[1] == "  no session receives context 'office' yet: the offer waits for one"
        async with client(handle, "office") as relay:
            with trio.fail_after(5):
                call = await relay.incoming_calls().receive()
            assert call.context == "office"


@pytest.mark.trio
@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("bogus", "unknown command 'bogus' (try: help)"),
        (
            "call +15551111111",
            f"call: usage: {USAGE}",
        ),
        ("call --context", "call: --context needs a value"),
        (
            "call --ctx x a b",
            f"call: unknown option '--ctx'; usage: {USAGE}",
        ),
        ("call --context= a b", "call: --context needs a value"),
        ("call --presses 1x a b", "call: presses: '1x' has 'x', not DTMF (0-9, *, #, A-D)"),
        (
            "call --answered-by=robot a b",
            "call: answered_by: 'robot' is not one of human, machine, fax",
        ),
        ("hangup", "hangup: usage: hangup CALL_ID [REASON]"),
        ("hangup nope", "hangup: no live call 'nope' (see: calls)"),
        ("calls now", "calls: takes no arguments"),
        ("sessions all", "sessions: takes no arguments"),
        (
            "message +1555",
            "message: usage: message [--context CONTEXT] [--media URL]... FROM TO [TEXT...]",
        ),
        ("message --media", "message: --media needs a value"),
        ("message a b", "message: body: give a body, media URLs or both"),
        ("call 'unclosed", 'cannot read "call \'unclosed": No closing quotation'),
    ],
)
async def test_a_bad_command_is_one_error_line_and_the_next_one_runs(line: str, error: str) -> None:
    async with served() as (_, commands):
        out, err = await commands.run(line)
        assert (out, err) == ([], [f"fake-server: {error}"])
        out, err = await commands.run("sessions")
        assert (out, err) == (["no sessions"], [])


@pytest.mark.trio
async def test_ambiguous_prefix_comments_blank_and_overlong_lines() -> None:
    async with served() as (_, commands):
        await commands.run("call a b")
        await commands.run("call c d")
        out, err = await commands.run("hangup ''")
        assert err == ["fake-server: hangup: 2 live calls start with ''; type more"]
        out, err = await commands.run("# a comment\n\n   ")
        assert (out, err) == ([], [])
        out, err = await commands.run("x" * (2 * MAX_LINE + 10))
        assert (out, err) == ([], [f"fake-server: skipped a line over {MAX_LINE} bytes"])


@pytest.mark.trio
async def test_end_of_input_stops_the_commands_not_the_server() -> None:
    async with served() as (handle, commands):
        commands.send("calls")  # the last line needs no newline
        os.close(commands.write_fd)
        commands.write_fd = os.open(os.devnull, os.O_WRONLY)  # for the fixture to close
        await commands.wait_for(lambda: "end of standard input" in commands.err.getvalue())
        assert commands.out.getvalue() == "no live calls\n"
        async with client(handle, "office"):
            pass  # still serving


@pytest.mark.trio
async def test_timeline_session_lines_name_no_credential() -> None:
    out = io.StringIO()
    timeline = Timeline(out, start=trio.current_time())
    async with served(timeline) as (handle, _):
        async with client(handle, "office", "sales"):
            label = session_label(handle.server.sessions()[0].protocol)
            handle.drop(handle.connections()[0])  # the client resumes on connection 2

            def resumed() -> bool:
                return handle.server.sessions()[0].connection == 2

            with trio.fail_after(5):
                await handle.wait_until(resumed)
        with trio.fail_after(5):
            while "connection 2 closed" not in out.getvalue():
                await trio.sleep(0.005)
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        f"session {label} connected on connection 1, contexts: office, sales",
        f"session {label} disconnected (connection 1 closed)",
        f"session {label} resumed on connection 2, contexts: office, sales",
        f"session {label} disconnected (connection 2 closed)",
    ]
    assert "secret" not in out.getvalue()


def test_timeline_rejections_say_the_code_and_why() -> None:
    out = io.StringIO()
    timeline = Timeline(out, start=0.0)
    server = FakeRelayServer(credentials=CREDENTIALS, on_journal=timeline)
    timeline.server = server
    conn = server.connection_made(now=1.0)
    hello = {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "authentication": {"project": "proj-secret", "token": "tok-wrong"},
    }

    def send(request_id: str, method: str, params: object) -> None:
        frame = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        server.receive_text(conn, json.dumps(frame), now=1.5)

    send("c1", "signalwire.connect", hello)
    conn = server.connection_made(now=2.0)
    send(
        "c2",
        "signalwire.connect",
        {**hello, "authentication": {"project": "proj-secret", "token": "tok-secret"}},
    )
    send("r1", "signalwire.receive", {"contexts": "office"})
    send("e1", "calling.end", {"call_id": "nope", "node_id": "n", "reason": "hangup"})
    send("x1", "calling.nope", {})
    server.receive_text(conn, "{not json", now=3.0)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "[    1.500] connection 1: signalwire.connect rejected: -32002 Authentication failed"
    )
    assert lines[1].startswith("[    1.500] session ")
    assert lines[1].endswith(" connected on connection 2, contexts: (none)")
    # The fake reads it through Receive.from_params: the message shows the value.
    expected = (
        "signalwire.receive rejected: 400 contexts: 'office' is not a list of non-empty strings"
    )
    assert lines[2] == f"[    1.500] {expected}"
    assert lines[3].startswith("[    1.500] calling.end rejected: 404 ")
    assert lines[4] == "[    1.500] calling.nope rejected: -32601 Method not found: calling.nope"
    assert lines[5].startswith("[    3.000] connection 2: frame rejected: -32700 ")
    assert len(lines) == 6
    assert "secret" not in out.getvalue()
