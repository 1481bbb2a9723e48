"""The fake-server CLI's commands, typed one a line on its standard input.

``call`` places an inbound call (with what the caller presses and says),
``hangup`` ends one from the far end,
``calls`` and ``sessions`` list what is live, ``help`` lists the commands.
A bad line gets one error line on stderr and the server carries on.  The
end of standard input only stops the reading: the server keeps serving (it
may run under a process manager with stdin at ``/dev/null``).

Standard input is read by a worker thread (``os.read`` on a duplicate of fd
0; no Python buffer, so no lock is held when the process exits) that is
abandoned on cancellation, so Ctrl-C stops the server at once.  Unlike
``trio.lowlevel.FdStream``, it works for files and ``/dev/null`` too.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from typing import Final, TextIO

import trio

from relay_core import LocalProtocolError
from relay_core.testing import CallerScript, FakeServerScripting

from ._cli_log import session_label

__all__ = ["COMMANDS_HELP", "CommandError", "read_commands", "run_command"]

#: A longer line is refused (and skipped up to its newline).
MAX_LINE: Final = 4096
DEFAULT_CONTEXT: Final = "office"

COMMANDS_HELP: Final = f"""\
commands (one a line on standard input):
  call [--context CONTEXT] FROM TO   place an inbound call from FROM to TO, offered
                                     on CONTEXT (default: {DEFAULT_CONTEXT}); once
                                     answered the caller presses each --presses
                                     DIGITS and says each --says WORDS (one per
                                     collect; quote a #: '12#'), --answered-by
                                     human|machine|fax
  hangup CALL_ID [REASON]            the far end hangs up a live call (any unique
                                     prefix of its id; REASON default: hangup)
  calls                              list the live calls
  sessions                           list the sessions
  message [--context CONTEXT] [--media URL]... FROM TO [TEXT...]
                                     an SMS (or MMS with --media) from FROM to TO
                                     arrives on CONTEXT (default: {DEFAULT_CONTEXT})
  help                               this list
Blank lines and lines starting with # are skipped.  The end of standard input
stops the commands, not the server; Ctrl-C stops the server."""


class CommandError(Exception):
    """A command line that cannot run; its text is the one-line reason."""


_CALL_USAGE: Final = (
    "call [--context CTX] [--presses DIGITS]... [--says WORDS]... [--answered-by WHO] FROM TO"
)
#: The ``call`` options that take a value (each also as ``--name=value``).
_CALL_OPTIONS: Final = ("--context", "--presses", "--says", "--answered-by")


def _call_options(args: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    options: dict[str, list[str]] = {name: [] for name in _CALL_OPTIONS}
    numbers: list[str] = []
    rest = iter(args)
    for arg in rest:
        name, eq, value = arg.partition("=")
        if name in _CALL_OPTIONS:
            value = value if eq else next(rest, "")
            if not value:
                raise CommandError(f"call: {name} needs a value")
            options[name].append(value)
        elif arg.startswith("-") and not arg[1:2].isdigit():
            raise CommandError(f"call: unknown option {arg!r}; usage: {_CALL_USAGE}")
        else:
            numbers.append(arg)
    if len(numbers) != 2:
        raise CommandError(f"call: usage: {_CALL_USAGE}")
    return options, numbers


def _call(handle: FakeServerScripting, args: list[str]) -> list[str]:
    options, (from_number, to_number) = _call_options(args)
    context = options["--context"][-1] if options["--context"] else DEFAULT_CONTEXT
    answered_by = options["--answered-by"]
    try:
        caller = CallerScript(answered_by=answered_by[-1]) if answered_by else None
        ref = handle.inject_inbound_call(
            context=context,
            from_number=from_number,
            to_number=to_number,
            caller=caller,
            presses=options["--presses"] or None,
            says=options["--says"] or None,
        )
    except LocalProtocolError as exc:
        raise CommandError(f"call: {exc.message}") from None
    lines = [f"placed inbound call {ref.call_id} from {from_number} to {to_number} on {context}"]
    receivers = [s for s in handle.server.sessions() if s.connection and context in s.contexts]
    if not receivers:
        lines.append(f"  no session receives context {context!r} yet: the offer waits for one")
    return lines


def _hangup(handle: FakeServerScripting, args: list[str]) -> list[str]:
    if len(args) not in (1, 2):
        raise CommandError("hangup: usage: hangup CALL_ID [REASON]")
    prefix = args[0]
    matches = [c.call_id for c in handle.server.calls() if c.call_id.startswith(prefix)]
    if not matches:
        raise CommandError(f"hangup: no live call {prefix!r} (see: calls)")
    if len(matches) > 1:
        raise CommandError(f"hangup: {len(matches)} live calls start with {prefix!r}; type more")
    try:
        handle.hangup_call(matches[0], reason=args[1] if len(args) == 2 else "hangup")
    except LocalProtocolError as exc:
        raise CommandError(f"hangup: {exc.message}") from None
    return [f"hanging up call {matches[0]}"]


def _calls(handle: FakeServerScripting, args: list[str]) -> list[str]:
    if args:
        raise CommandError("calls: takes no arguments")
    lines = []
    for call in handle.server.calls():
        inbound = call.direction == "inbound"
        line = f"call {call.call_id} {'from' if inbound else 'to'} {call.destination}"
        line += f" {call.state.value}"
        if call.context:
            line += f" on {call.context}"
        if call.bridged_to is not None:
            line += f", bridged to {call.bridged_to.call_id}"
        if call.owner is not None:
            line += f", session {session_label(call.owner)}"
        running = handle.server.network.running_actions(call.call_id)
        if running:
            line += ", running: " + ", ".join(f"{kind} {cid}" for kind, cid in running)
        lines.append(line)
    return lines or ["no live calls"]


def _sessions(handle: FakeServerScripting, args: list[str]) -> list[str]:
    if args:
        raise CommandError("sessions: takes no arguments")
    lines = []
    for info in handle.server.sessions():
        where = "disconnected" if info.connection is None else f"on connection {info.connection}"
        line = f"session {session_label(info.protocol)} {where}"
        line += f", contexts: {', '.join(info.contexts) or '(none)'}"
        if info.buffered_events:
            line += f", {info.buffered_events} events waiting"
        lines.append(line)
    return lines or ["no sessions"]


_MESSAGE_USAGE: Final = (
    "message: usage: message [--context CONTEXT] [--media URL]... FROM TO [TEXT...]"
)


def _message(handle: FakeServerScripting, args: list[str]) -> list[str]:
    context = DEFAULT_CONTEXT
    media: list[str] = []
    words: list[str] = []
    rest = iter(args)
    for arg in rest:
        if words:  # after FROM, everything is the message
            words.append(arg)
        elif arg in ("--context", "--media"):
            value = next(rest, "")
            if not value:
                raise CommandError(f"message: {arg} needs a value")
            if arg == "--context":
                context = value
            else:
                media.append(value)
        elif arg.startswith("-") and not arg[1:2].isdigit():
            raise CommandError(f"message: unknown option {arg!r}")
        else:
            words.append(arg)
    if len(words) < 2:
        raise CommandError(_MESSAGE_USAGE)
    from_number, to_number, *text = words
    try:
        message = handle.inject_inbound_message(
            context=context,
            from_number=from_number,
            to_number=to_number,
            body=" ".join(text),
            media=tuple(media),
        )
    except LocalProtocolError as exc:
        raise CommandError(f"message: {exc.message}") from None
    if message.session is None:
        return [f"no session receives context {context!r}: message from {from_number} dropped"]
    return [f"message {message.message_id} from {from_number} to {to_number} sent on {context}"]


def _help(handle: FakeServerScripting, args: list[str]) -> list[str]:
    return COMMANDS_HELP.splitlines()


_COMMANDS: Final[dict[str, Callable[[FakeServerScripting, list[str]], list[str]]]] = {
    "call": _call,
    "hangup": _hangup,
    "calls": _calls,
    "sessions": _sessions,
    "message": _message,
    "help": _help,
}


def run_command(handle: FakeServerScripting, line: str) -> list[str]:
    """Run one command line against a served fake server; returns the lines to print.

    Raises:
        CommandError: the line is not a valid command, or the server refused it.
    """
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:  # e.g. an unclosed quote
        raise CommandError(f"cannot read {line.strip()!r}: {exc}") from None
    if not words:
        return []
    command = _COMMANDS.get(words[0])
    if command is None:
        raise CommandError(f"unknown command {words[0]!r} (try: help)")
    return command(handle, words[1:])


def _in_background(fd: int) -> bool:
    """A job in the background of a terminal is stopped (SIGTTIN) if it reads it."""
    try:
        return os.isatty(fd) and os.tcgetpgrp(fd) != os.getpgrp()
    except (AttributeError, OSError):  # not POSIX, or no terminal
        return False


async def read_commands(
    handle: FakeServerScripting, out: TextIO, err: TextIO | None = None, *, fd: int = 0
) -> None:
    """Run each line of ``fd`` (standard input) as a command until its end.

    Output goes to ``out``, one-line errors to ``err`` (standard error).
    When cancelled, the abandoned worker thread may still be blocked reading
    our duplicate of ``fd``, so that one stays open (the process is exiting).
    """
    err = sys.stderr if err is None else err
    if _in_background(fd):
        print("fake-server: in the background: not reading commands", file=err, flush=True)
        return
    try:
        fd = os.dup(fd)  # closing ours never closes the process's stdin
    except OSError:
        return  # no standard input at all
    buffer = b""
    skipping = False  # inside a line that was too long
    while True:
        try:
            chunk = await trio.to_thread.run_sync(os.read, fd, MAX_LINE, abandon_on_cancel=True)
        except OSError as exc:
            print(f"fake-server: cannot read commands: {exc}", file=err, flush=True)
            break
        if not chunk:
            if buffer and not skipping:
                _run(handle, buffer, out, err)
            print(
                "fake-server: end of standard input: no more commands; still serving "
                "(Ctrl-C stops it)",
                file=err,
                flush=True,
            )
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            if not skipping:
                _run(handle, raw, out, err)
            skipping = False
        if len(buffer) > MAX_LINE:
            if not skipping:
                print(f"fake-server: skipped a line over {MAX_LINE} bytes", file=err, flush=True)
            buffer, skipping = b"", True
    os.close(fd)


def _run(handle: FakeServerScripting, raw: bytes, out: TextIO, err: TextIO) -> None:
    try:
        lines = run_command(handle, raw.decode("utf-8", errors="replace"))
    except CommandError as exc:
        print(f"fake-server: {exc}", file=err, flush=True)
        return
    except Exception as exc:  # a bug must not stop the server: say so and go on
        print(f"fake-server: command failed: {type(exc).__name__}: {exc}", file=err, flush=True)
        return
    for line in lines:
        print(line, file=out, flush=True)
