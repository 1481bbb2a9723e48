"""The verbs of :class:`~relay_asyncio.Call` answered by a reply, as the official SDK (3.7.5).

The plain verbs (transfer, hold, conference, ...), ``send_digits`` and the
queues return the server's reply dict; ``play`` and its helpers return a
:class:`~relay_asyncio.PlayAction`.  Params are built in the official SDK's
shape (``bind_params``/``ai_params`` -> ``params``, ``stream_obj`` ->
``stream``, ``**kwargs`` top-level) and read into the core's typed command
(``from_request_params``), which validates them before anything is sent:
unknown top-level keys travel as its ``extra``, a key it could not send is
refused rather than dropped, and a keyword repeated in ``**kwargs`` is
refused (the official SDK lets the later one win silently).  404/410 raise
:class:`~relay_core.CallGoneError`.  The action verbs are in ``_call_actions``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from relay_core import (
    AIHold,
    AIMessage,
    AIUnhold,
    AmazonBedrock,
    BindDigit,
    ClearDigitBindings,
    Command,
    ControlId,
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
    Play,
    QueueEnter,
    QueueLeave,
    Refer,
    SendDigits,
    Transfer,
    Unhold,
    UserEvent,
)

from ._actions import (
    CompletedHandler,
    DigitSending,
    PlayAction,
)

if TYPE_CHECKING:
    from ._call import CallHost

__all__ = ["CallVerbs", "check_handler", "tts_media"]


def check_handler(on_completed: object) -> None:
    """``on_completed`` is ``None`` or callable (checked before anything is sent)."""
    if on_completed is not None and not callable(on_completed):
        raise InvalidArgumentError(f"on_completed: {on_completed!r} is not callable")


def tts_media(text: str, language: str | None, gender: str | None, voice: str | None) -> JSONObject:
    """A ``tts`` media item (the unset settings left out)."""
    params = {"text": text, "language": language, "gender": gender, "voice": voice}
    return {"type": "tts", "params": {k: v for k, v in params.items() if v is not None}}


class CallVerbs:
    """The verbs without an action handle, and play."""

    if TYPE_CHECKING:
        call_id: str
        node_id: str
        _client: CallHost

        async def _request(self, command: Command) -> JSONObject: ...

    #: This call's latest ``queue_enter``: (queue name, control_id), for ``queue_leave``.
    _queue_entered: tuple[str, ControlId] | None = None

    def _action_params(self, control_id: str | None, **named: object) -> dict[str, Any]:
        """A starter's params: the named values, and a fresh ``control_id`` unless given."""
        return self._params(control_id=control_id or str(uuid.uuid4()), **named)

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

    # -- play ----------------------------------------------------------------------

    async def play(
        self,
        media: Sequence[Mapping[str, Any]],
        *,
        volume: float | None = None,
        direction: str | None = None,
        loop: int | None = None,
        control_id: str | None = None,
        status_url: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> PlayAction:
        """Start playing media (flat or nested dicts); returns its :class:`PlayAction`."""
        command = Play(
            call=self,
            media=media,
            control_id=control_id,
            volume=volume,
            direction=direction,
            loop=loop,
            status_url=status_url,
            extra=kwargs or None,
        )
        check_handler(on_completed)
        action = PlayAction(self, command.control_id, on_completed)  # type: ignore[arg-type]
        await self._client._start_action(action, command)
        return action

    async def play_tts(
        self,
        text: str,
        *,
        language: str | None = None,
        gender: str | None = None,
        voice: str | None = None,
        volume: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> PlayAction:
        """Speak ``text``."""
        media = [tts_media(text, language, gender, voice)]
        return await self.play(media, volume=volume, on_completed=on_completed)

    async def play_audio(
        self, url: str, *, volume: float | None = None, on_completed: CompletedHandler | None = None
    ) -> PlayAction:
        """Play the audio file at ``url``."""
        media = [{"type": "audio", "params": {"url": url}}]
        return await self.play(media, volume=volume, on_completed=on_completed)

    async def play_silence(
        self, duration: float, *, on_completed: CompletedHandler | None = None
    ) -> PlayAction:
        """Play ``duration`` seconds of silence."""
        media = [{"type": "silence", "params": {"duration": duration}}]
        return await self.play(media, on_completed=on_completed)

    async def play_ringtone(
        self,
        name: str,
        *,
        duration: float | None = None,
        volume: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> PlayAction:
        """Play the ringtone of country ``name`` (``"us"``...)."""
        params = {"name": name} if duration is None else {"name": name, "duration": duration}
        media = [{"type": "ringtone", "params": params}]
        return await self.play(media, volume=volume, on_completed=on_completed)

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

    # -- send_digits, queue: the reply is all the official SDK returns ----------------

    async def send_digits(self, digits: str, *, control_id: str | None = None) -> JSONObject:
        """Send DTMF (``w`` = 0.5 s, ``W`` = 1 s pause); the server's reply, once sent.

        Returns the reply dict (the official SDK's shape), but only once the
        digits were sent: after the ``calling.call.send_digits`` ``finished``
        (or ``error``) event, as relay_trio's ``await call.send_digits()``.
        If the call ends first it raises :class:`~relay_core.CallGoneError`
        (the core's ``ActionFinished.error()``; :class:`ConnectionLostError` /
        :class:`SessionClosedError` if the session does).  Cancelled after
        the reply, the digits still go out (RELAY has no send_digits stop);
        the core follows the action to its end or its call's.
        """
        command = SendDigits(call=self, control_id=control_id, digits=digits)
        sending = DigitSending(self, command.control_id)  # type: ignore[arg-type]
        reply = await self._client._start_action(sending, command)
        await sending.wait()
        error = None if sending.finished is None else sending.finished.error()
        if error is not None:
            raise error
        return reply

    async def queue_enter(
        self,
        queue_name: str,
        *,
        control_id: str | None = None,
        status_url: str | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Put the call in the queue ``queue_name``; returns the server's reply."""
        params = self._action_params(control_id, queue_name=queue_name, status_url=status_url)
        command = QueueEnter.from_request_params(self._merge(params, kwargs))
        reply = await self._request(command)
        self._queue_entered = (queue_name, command.control_id)
        return reply

    async def queue_leave(
        self,
        queue_name: str,
        *,
        control_id: str | None = None,
        queue_id: str | None = None,
        status_url: str | None = None,
        **kwargs: Any,
    ) -> JSONObject:
        """Take the call out of ``queue_name``; returns the server's reply.

        Without ``control_id``: the one of this call's latest
        :meth:`queue_enter` of that queue (else a fresh one, as the official
        SDK sends).
        """
        if control_id is None:
            entered = self._queue_entered
            if entered is not None and entered[0] == queue_name:
                control_id = entered[1]
        command = QueueLeave(
            call=self,
            control_id=ControlId(control_id or str(uuid.uuid4())),
            queue_name=queue_name,
            queue_id=queue_id,
            status_url=status_url,
            extra=kwargs or None,
        )
        return await self._request(command)
