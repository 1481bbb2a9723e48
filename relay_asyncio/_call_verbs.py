"""The action verbs of :class:`~relay_asyncio.Call`, as the official SDK (3.7.5) names them.

Each method builds the params the official SDK would send (its dicts, its
renamed arguments such as ``input_method`` -> ``input``, its ``**kwargs``
as top-level keys) and reads them into the core's typed command
(``from_request_params``): the same validators run before anything is sent,
unknown top-level keys travel as the command's ``extra``, and a key the
command could not send is refused rather than dropped.  The action handle
is registered before the request goes out; the core settles it (its result,
the call ending, its start failing).  404/410 raise
:class:`~relay_core.CallGoneError`.  The other actions are in ``_call_services``,
the plain verbs in ``_call_plain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from relay_core import (
    Collect,
    Detect,
    JSONObject,
    Play,
    PlayAndCollect,
    Record,
    check_flag,
    media_list,
    media_list_to_wire,
)

from ._actions import (
    Action,
    CollectAction,
    CompletedHandler,
    DetectAction,
    PlayAction,
    RecordAction,
    StandaloneCollectAction,
)
from ._call_services import ServiceVerbs, check_handler

if TYPE_CHECKING:
    from ._call import CallHost

__all__ = ["CallVerbs"]

_A = TypeVar("_A", bound=Action)


def _tts(text: str, language: str | None, gender: str | None, voice: str | None) -> JSONObject:
    params = {"text": text, "language": language, "gender": gender, "voice": voice}
    return {"type": "tts", "params": {k: v for k, v in params.items() if v is not None}}


class CallVerbs(ServiceVerbs):
    """The action verbs (each returns its action handle, as the official SDK)."""

    if TYPE_CHECKING:
        _client: CallHost

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
        return await self._client._play(self, command, on_completed)  # type: ignore[arg-type]

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
        media = [_tts(text, language, gender, voice)]
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

    # -- record, collect, detect ------------------------------------------------------

    async def record(
        self,
        audio: Mapping[str, Any] | None = None,
        *,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> RecordAction:
        """Record the call (``audio``: ``beep``, ``format``, ``direction``, ...)."""
        params = self._action_params(control_id, record={"audio": {} if audio is None else audio})
        command = Record.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(RecordAction, command, on_completed), command)

    async def play_and_collect(
        self,
        media: Sequence[Mapping[str, Any]],
        collect: Mapping[str, Any],
        *,
        volume: float | None = None,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> CollectAction:
        """Play ``media``, then collect input (``collect``: ``digits``, ``speech``...)."""
        play = media_list_to_wire(media_list(media, field="play"))
        params = self._action_params(control_id, play=play, collect=collect, volume=volume)
        command = PlayAndCollect.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(CollectAction, command, on_completed), command)

    async def prompt_tts(
        self,
        text: str,
        collect: Mapping[str, Any],
        *,
        language: str | None = None,
        gender: str | None = None,
        voice: str | None = None,
        volume: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> CollectAction:
        """Speak ``text``, then collect input."""
        media = [_tts(text, language, gender, voice)]
        return await self.play_and_collect(media, collect, volume=volume, on_completed=on_completed)

    async def prompt_audio(
        self,
        url: str,
        collect: Mapping[str, Any],
        *,
        volume: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> CollectAction:
        """Play the audio at ``url``, then collect input."""
        media = [{"type": "audio", "params": {"url": url}}]
        return await self.play_and_collect(media, collect, volume=volume, on_completed=on_completed)

    async def collect(
        self,
        *,
        digits: Mapping[str, Any] | None = None,
        speech: Mapping[str, Any] | None = None,
        initial_timeout: float | None = None,
        partial_results: bool | None = None,
        continuous: bool | None = None,
        send_start_of_input: bool | None = None,
        start_input_timers: bool | None = None,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> StandaloneCollectAction:
        """Collect digits and/or speech without a prompt."""
        params = self._action_params(
            control_id,
            digits=digits,
            speech=speech,
            initial_timeout=initial_timeout,
            partial_results=partial_results,
            continuous=continuous,
            send_start_of_input=send_start_of_input,
            start_input_timers=start_input_timers,
        )
        command = Collect.from_request_params(self._merge(params, kwargs))
        action = self._handle(StandaloneCollectAction, command, on_completed)
        return await self._begin(action, command)

    async def detect(
        self,
        detect: Mapping[str, Any],
        *,
        timeout: float | None = None,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        wait_for_beep: bool = False,
        **kwargs: Any,
    ) -> DetectAction:
        """Run a detector (``{"type": "machine"|"fax"|"digit", "params": {...}}``).

        ``wait_for_beep`` (not sent; an addition to the official signature,
        where it would go to the server as an unknown key): after ``MACHINE``
        the action settles on the beep (or ``READY``), not at once.
        """
        check_flag("wait_for_beep", wait_for_beep)
        params = self._action_params(control_id, detect=detect, timeout=timeout)
        command = Detect.from_request_params(self._merge(params, kwargs))
        if wait_for_beep:
            command = Detect(
                call=command.call,
                control_id=command.control_id,
                detect=command.detect,
                timeout=command.timeout,
                status_url=command.status_url,
                extra=command.extra,
                wait_for_beep=True,
            )
        return await self._begin(self._handle(DetectAction, command, on_completed), command)

    async def detect_answering_machine(
        self,
        *,
        initial_timeout: float | None = None,
        end_silence_timeout: float | None = None,
        machine_voice_threshold: float | None = None,
        machine_words_threshold: int | None = None,
        detect_interruptions: bool | None = None,
        detect_message_end: bool | None = None,
        timeout: float | None = None,
        on_completed: CompletedHandler | None = None,
        wait_for_beep: bool = False,
    ) -> DetectAction:
        """Answering-machine detection (``MACHINE``/``HUMAN``/...; see :meth:`detect`)."""
        settings = {
            "initial_timeout": initial_timeout,
            "end_silence_timeout": end_silence_timeout,
            "machine_voice_threshold": machine_voice_threshold,
            "machine_words_threshold": machine_words_threshold,
            "detect_interruptions": detect_interruptions,
            "detect_message_end": detect_message_end,
        }
        detector = {
            "type": "machine",
            "params": {k: v for k, v in settings.items() if v is not None},
        }
        return await self.detect(
            detector, timeout=timeout, on_completed=on_completed, wait_for_beep=wait_for_beep
        )

    async def detect_digit(
        self,
        *,
        digits: str | None = None,
        timeout: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> DetectAction:
        """Detect DTMF (``digits``: which ones count; default all)."""
        detector = {"type": "digit", "params": {} if digits is None else {"digits": digits}}
        return await self.detect(detector, timeout=timeout, on_completed=on_completed)

    async def detect_fax(
        self,
        *,
        tone: str | None = None,
        timeout: float | None = None,
        on_completed: CompletedHandler | None = None,
    ) -> DetectAction:
        """Detect a fax tone (``tone``: ``CED`` or ``CNG``)."""
        detector = {"type": "fax", "params": {} if tone is None else {"tone": tone}}
        return await self.detect(detector, timeout=timeout, on_completed=on_completed)
