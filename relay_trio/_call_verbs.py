"""The plain verbs of :class:`~relay_trio.Call`: one request, one reply (RELAY.md H.5.14).

Each returns once the server accepted the request.  Events some of them
cause (``calling.call.refer``, ``.hold``, ``.denoise``, ``.echo``,
``calling.conference``) arrive as ``relay_core.CallActivity`` in
``call.events()``.  Bad input raises :class:`InvalidArgumentError` before
anything is sent; a call that is gone raises :class:`CallGoneError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relay_core import (
    AIHold,
    AIMessage,
    AIUnhold,
    AmazonBedrock,
    BindDigit,
    CallRef,
    ClearDigitBindings,
    Denoise,
    DenoiseStop,
    Echo,
    Hold,
    JoinConference,
    JoinRoom,
    JSONObject,
    JSONValue,
    LeaveConference,
    LeaveRoom,
    LiveTranscribe,
    LiveTranslate,
    Refer,
    ReferDevice,
    Transfer,
    Unhold,
    UserEvent,
)

if TYPE_CHECKING:
    from ._call import CallHost

__all__ = ["CallVerbs"]


class CallVerbs:
    """The plain verbs (a mixin of :class:`~relay_trio.Call`)."""

    if TYPE_CHECKING:
        _client: CallHost

        @property
        def ref(self) -> CallRef: ...

    async def transfer(self, dest: str) -> None:
        """Hand the call to SWML (a URL or inline) or ``context:<name>`` (``calling.transfer``)."""
        await self._client._request(Transfer(call=self.ref, dest=dest))

    async def refer(
        self,
        to: str,
        *,
        username: str | None = None,
        password: str | None = None,
        status_url: str | None = None,
    ) -> None:
        """SIP REFER the call to ``to`` (a SIP URI); ``calling.call.refer`` events follow."""
        device = ReferDevice(to=to, username=username, password=password)
        await self._client._request(Refer(call=self.ref, device=device, status_url=status_url))

    async def hold(self) -> None:
        """Put the call on hold."""
        await self._client._request(Hold(call=self.ref))

    async def unhold(self) -> None:
        """Take the call off hold."""
        await self._client._request(Unhold(call=self.ref))

    async def denoise(self) -> None:
        """Start noise reduction on the call."""
        await self._client._request(Denoise(call=self.ref))

    async def denoise_stop(self) -> None:
        """Stop noise reduction."""
        await self._client._request(DenoiseStop(call=self.ref))

    async def echo(self, *, timeout: float | None = None, status_url: str | None = None) -> None:
        """Echo the caller's audio back (a line test)."""
        await self._client._request(Echo(call=self.ref, timeout=timeout, status_url=status_url))

    async def bind_digit(
        self,
        digits: str,
        bind_method: str,
        *,
        params: JSONObject | None = None,
        realm: str | None = None,
        max_triggers: int | None = None,
    ) -> None:
        """Run ``bind_method`` (a ``calling.*`` method) whenever the caller presses ``digits``."""
        await self._client._request(
            BindDigit(
                call=self.ref, digits=digits, bind_method=bind_method, params=params,
                realm=realm, max_triggers=max_triggers,
            )
        )  # fmt: skip

    async def clear_digit_bindings(self, *, realm: str | None = None) -> None:
        """Remove the digit bindings (of ``realm``, if given)."""
        await self._client._request(ClearDigitBindings(call=self.ref, realm=realm))

    async def live_transcribe(self, operation: JSONObject) -> None:
        """``{"start": {...}}``, ``{"stop": {}}`` or ``{"summarize": {...}}`` a live transcript."""
        await self._client._request(LiveTranscribe(call=self.ref, operation=operation))

    async def live_translate(self, operation: JSONObject, *, status_url: str | None = None) -> None:
        """Like :meth:`live_transcribe`, translating (also ``{"inject": {...}}``)."""
        await self._client._request(
            LiveTranslate(call=self.ref, operation=operation, status_url=status_url)
        )

    async def join_conference(self, name: str, **options: Any) -> str | None:
        """Join the conference ``name``; its ``conference_id`` if the server gave one.

        ``options``: the other fields of :class:`relay_core.JoinConference`
        (``muted``, ``beep``, ``start_on_enter``, ``end_on_exit``...).
        """
        result = await self._client._request(JoinConference(call=self.ref, name=name, **options))
        conference_id = result.get("conference_id")
        return conference_id if isinstance(conference_id, str) else None

    async def leave_conference(self, conference_id: str) -> None:
        """Leave the conference ``conference_id``."""
        await self._client._request(LeaveConference(call=self.ref, conference_id=conference_id))

    async def join_room(self, name: str, *, status_url: str | None = None) -> None:
        """Join the video room ``name``."""
        await self._client._request(JoinRoom(call=self.ref, name=name, status_url=status_url))

    async def leave_room(self) -> None:
        """Leave the video room."""
        await self._client._request(LeaveRoom(call=self.ref))

    async def ai_message(
        self,
        *,
        message_text: str | None = None,
        role: str | None = None,
        reset: JSONObject | None = None,
        global_data: JSONObject | None = None,
    ) -> None:
        """Send a message to the AI agent running on the call."""
        await self._client._request(
            AIMessage(
                call=self.ref, message_text=message_text, role=role, reset=reset,
                global_data=global_data,
            )
        )  # fmt: skip

    async def ai_hold(self, *, timeout: str | None = None, prompt: str | None = None) -> None:
        """Put the AI agent's conversation on hold."""
        await self._client._request(AIHold(call=self.ref, timeout=timeout, prompt=prompt))

    async def ai_unhold(self, *, prompt: str | None = None) -> None:
        """Resume the AI agent's conversation."""
        await self._client._request(AIUnhold(call=self.ref, prompt=prompt))

    async def amazon_bedrock(self, **options: Any) -> None:
        """Run an Amazon Bedrock agent; fields of :class:`relay_core.AmazonBedrock`."""
        await self._client._request(AmazonBedrock(call=self.ref, **options))

    async def user_event(self, event: JSONValue) -> None:
        """Send ``event`` (any JSON) to the call's listeners."""
        await self._client._request(UserEvent(call=self.ref, event=event))
