"""The plain verbs of :class:`~relay_asyncio.Call` (transfer, hold, conference, ...).

Each returns the server's reply dict, as the official SDK (3.7.5).  Params
are built in the official SDK's shape (``bind_params``, ``ai_params`` ->
``params``, ``stream_obj`` -> ``stream``, ``**kwargs`` top-level) and read
into the core's typed command, which validates them before anything is
sent.  A keyword repeated in ``**kwargs`` is refused (the official SDK lets
the later one win silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from relay_core import (
    AIHold,
    AIMessage,
    AIUnhold,
    AmazonBedrock,
    BindDigit,
    ClearDigitBindings,
    Command,
    Denoise,
    DenoiseStop,
    Echo,
    Hold,
    InvalidArgumentError,
    JoinConference,
    JoinRoom,
    JSONObject,
    LeaveConference,
    LeaveRoom,
    LiveTranscribe,
    LiveTranslate,
    Refer,
    Transfer,
    Unhold,
    UserEvent,
)

__all__ = ["PlainVerbs"]


class PlainVerbs:
    """The verbs without an action handle."""

    if TYPE_CHECKING:
        call_id: str
        node_id: str

        async def _request(self, command: Command) -> JSONObject: ...

    def _params(self, **named: object) -> dict[str, Any]:
        """This call's ids and the ``named`` values that are not ``None``."""
        params: dict[str, Any] = {"node_id": self.node_id, "call_id": self.call_id}
        params.update((k, v) for k, v in named.items() if v is not None)
        return params

    @staticmethod
    def _merge(params: dict[str, Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` plus ``**kwargs``; a key given both ways is refused."""
        for key in kwargs:
            if key in params:
                raise InvalidArgumentError(
                    f"{key}: {kwargs[key]!r:.60} given in **kwargs, but the call sets it "
                    "already (pass it once, by its own name)"
                )
        return {**params, **kwargs}

    async def _verb(self, cls: Any, kwargs: Mapping[str, Any], **named: object) -> JSONObject:
        command = cls.from_request_params(self._merge(self._params(**named), kwargs))
        return await self._request(command)

    async def transfer(self, dest: str, **kwargs: Any) -> JSONObject:
        """Hand the call to SWML (a URL or inline) or to ``context:<name>``."""
        return await self._verb(Transfer, kwargs, dest=dest)

    async def refer(
        self, device: Mapping[str, Any], *, status_url: str | None = None, **kwargs: Any
    ) -> JSONObject:
        """SIP REFER the call to ``device`` (``{"type": "sip", "params": {"to": ...}}``)."""
        return await self._verb(Refer, kwargs, device=device, status_url=status_url)

    async def hold(self) -> JSONObject:
        """Put the call on hold."""
        return await self._verb(Hold, {})

    async def unhold(self) -> JSONObject:
        """Take the call off hold."""
        return await self._verb(Unhold, {})

    async def denoise(self) -> JSONObject:
        """Turn noise reduction on."""
        return await self._verb(Denoise, {})

    async def denoise_stop(self) -> JSONObject:
        """Turn noise reduction off."""
        return await self._verb(DenoiseStop, {})

    async def echo(
        self, *, timeout: float | None = None, status_url: str | None = None, **kwargs: Any
    ) -> JSONObject:
        """Play the caller's audio back to them."""
        return await self._verb(Echo, kwargs, timeout=timeout, status_url=status_url)

    async def bind_digit(
        self,
        digits: str,
        bind_method: str,
        *,
        bind_params: dict[str, Any] | None = None,
        realm: str | None = None,
        max_triggers: int | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Run ``bind_method`` (``calling.*``) with ``bind_params`` when ``digits`` are dialled."""
        return await self._verb(
            BindDigit,
            kwargs,
            digits=digits,
            bind_method=bind_method,
            params=bind_params,
            realm=realm,
            max_triggers=max_triggers,
        )

    async def clear_digit_bindings(self, *, realm: str | None = None, **kwargs: Any) -> JSONObject:
        """Remove digit bindings (only ``realm``'s, if given)."""
        return await self._verb(ClearDigitBindings, kwargs, realm=realm)

    async def live_transcribe(self, action: Mapping[str, Any], **kwargs: Any) -> JSONObject:
        """Start, stop or summarize a live transcription (``{"start": {...}}``...)."""
        return await self._verb(LiveTranscribe, kwargs, action=action)

    async def live_translate(
        self, action: Mapping[str, Any], *, status_url: str | None = None, **kwargs: Any
    ) -> JSONObject:
        """Start, stop, summarize or inject into a live translation."""
        return await self._verb(LiveTranslate, kwargs, action=action, status_url=status_url)

    async def join_conference(
        self,
        name: str,
        *,
        muted: bool | None = None,
        beep: str | None = None,
        start_on_enter: bool | None = None,
        end_on_exit: bool | None = None,
        wait_url: str | None = None,
        max_participants: int | None = None,
        record: str | None = None,
        region: str | None = None,
        trim: str | None = None,
        coach: str | None = None,
        status_callback: str | None = None,
        status_callback_event: str | None = None,
        status_callback_event_type: str | None = None,
        status_callback_method: str | None = None,
        recording_status_callback: str | None = None,
        recording_status_callback_event: str | None = None,
        recording_status_callback_event_type: str | None = None,
        recording_status_callback_method: str | None = None,
        stream_obj: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Join (or create) the conference ``name`` (``stream_obj`` is sent as ``stream``)."""
        return await self._verb(
            JoinConference,
            kwargs,
            name=name,
            muted=muted,
            beep=beep,
            start_on_enter=start_on_enter,
            end_on_exit=end_on_exit,
            wait_url=wait_url,
            max_participants=max_participants,
            record=record,
            region=region,
            trim=trim,
            coach=coach,
            status_callback=status_callback,
            status_callback_event=status_callback_event,
            status_callback_event_type=status_callback_event_type,
            status_callback_method=status_callback_method,
            recording_status_callback=recording_status_callback,
            recording_status_callback_event=recording_status_callback_event,
            recording_status_callback_event_type=recording_status_callback_event_type,
            recording_status_callback_method=recording_status_callback_method,
            stream=stream_obj,
        )

    async def leave_conference(self, conference_id: str, **kwargs: Any) -> JSONObject:
        """Leave the conference ``conference_id``."""
        return await self._verb(LeaveConference, kwargs, conference_id=conference_id)

    async def join_room(
        self, name: str, *, status_url: str | None = None, **kwargs: Any
    ) -> JSONObject:
        """Join the video room ``name``."""
        return await self._verb(JoinRoom, kwargs, name=name, status_url=status_url)

    async def leave_room(self, **kwargs: Any) -> JSONObject:
        """Leave the video room."""
        return await self._verb(LeaveRoom, kwargs)

    async def ai_message(
        self,
        *,
        message_text: str | None = None,
        role: str | None = None,
        reset: dict[str, Any] | None = None,
        global_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Send a message to the running AI agent."""
        return await self._verb(
            AIMessage,
            kwargs,
            message_text=message_text,
            role=role,
            reset=reset,
            global_data=global_data,
        )

    async def ai_hold(
        self, *, timeout: str | None = None, prompt: str | None = None, **kwargs: Any
    ) -> JSONObject:
        """Put the AI agent on hold."""
        return await self._verb(AIHold, kwargs, timeout=timeout, prompt=prompt)

    async def ai_unhold(self, *, prompt: str | None = None, **kwargs: Any) -> JSONObject:
        """Resume the AI agent."""
        return await self._verb(AIUnhold, kwargs, prompt=prompt)

    async def amazon_bedrock(
        self,
        *,
        prompt: Any | None = None,
        SWAIG: dict[str, Any] | None = None,
        ai_params: dict[str, Any] | None = None,
        global_data: dict[str, Any] | None = None,
        post_prompt: dict[str, Any] | None = None,
        post_prompt_url: str | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Run an Amazon Bedrock agent (``ai_params`` is sent as ``params``)."""
        return await self._verb(
            AmazonBedrock,
            kwargs,
            prompt=prompt,
            SWAIG=SWAIG,
            params=ai_params,
            global_data=global_data,
            post_prompt=post_prompt,
            post_prompt_url=post_prompt_url,
        )

    async def user_event(self, *, event: Any = None, **kwargs: Any) -> JSONObject:
        """Send ``event`` (any JSON; required by the server) to the call's listeners."""
        return await self._verb(UserEvent, kwargs, event=event)
