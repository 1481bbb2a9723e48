"""The action verbs of :class:`~relay_trio.Call`: record, collect, detect, fax, tap, ...

Each returns a :class:`~relay_trio.PendingAction`: ``await`` it for the
finished action, or ``async with`` it to run the action for a block (see
``relay_trio._actions``).  The command is built (and checked) when the verb
is called, so bad input raises :class:`InvalidArgumentError` before anything
is sent.  The play helpers (``play_tts``...) play to the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, cast

import trio

from relay_core import (
    AI,
    AudioMedia,
    CallRef,
    Collect,
    CollectDigits,
    CollectSpeech,
    Detect,
    Detector,
    JSONObject,
    Pay,
    PlayAndCollect,
    PlayState,
    QueueEnter,
    ReceiveFax,
    Record,
    RelayError,
    RingtoneMedia,
    SendDigits,
    SendFax,
    SilenceMedia,
    Stream,
    Tap,
    TapDevice,
    Transcribe,
    TtsMedia,
)

from ._actions import (
    AISession,
    Collection,
    Detection,
    DigitSending,
    Fax,
    Payment,
    PendingAction,
    Prompt,
    QueueEntry,
    Recording,
    Streaming,
    Tapping,
    Transcription,
)

if TYPE_CHECKING:
    from ._call import Call, CallHost, Playback

__all__ = ["CallActions"]

#: Seconds a cancelled play helper waits (shielded) for its ``calling.play.stop`` reply.
PLAY_STOP_TIMEOUT: Final = 5.0


class CallActions:
    """The action verbs and play helpers (a mixin of :class:`~relay_trio.Call`)."""

    if TYPE_CHECKING:
        _client: CallHost

        @property
        def ref(self) -> CallRef: ...

        async def play(
            self, media: Sequence[object], *, volume: float | None = None
        ) -> Playback: ...

    @property
    def _call(self) -> Call:
        return cast("Call", self)

    # -- record --------------------------------------------------------------------

    def record(
        self,
        *,
        beep: bool | None = None,
        format: str | None = None,
        stereo: bool | None = None,
        direction: str | None = None,
        initial_timeout: float | None = None,
        end_silence_timeout: float | None = None,
        terminators: str | None = None,
        input_sensitivity: float | None = None,
        status_url: str | None = None,
    ) -> PendingAction[Recording]:
        """Record the call's audio (``calling.record``).

        ``async with call.record() as recording: ...``, then
        ``recording.url``/``duration``/``size``; or ``await call.record(
        end_silence_timeout=2)`` for a recording that ends by itself.
        """
        command = Record(
            call=self.ref, beep=beep, format=format, stereo=stereo, direction=direction,
            initial_timeout=initial_timeout, end_silence_timeout=end_silence_timeout,
            terminators=terminators, input_sensitivity=input_sensitivity, status_url=status_url,
        )  # fmt: skip
        return PendingAction(Recording(self._call, command.control_id, command.action), command)

    # -- input -----------------------------------------------------------------------

    def play_and_collect(
        self,
        media: Sequence[object],
        *,
        digits: CollectDigits | None = None,
        speech: CollectSpeech | None = None,
        initial_timeout: float | None = None,
        partial_results: bool | None = None,
        continuous: bool | None = None,
        volume: float | None = None,
        status_url: str | None = None,
    ) -> PendingAction[Prompt]:
        """Play ``media``, then collect digits and/or speech (``calling.play_and_collect``).

        ``prompt = await call.play_and_collect(...)``; ``prompt.digits``,
        ``prompt.type`` (``digit``, ``speech``, ``no_input``...).
        """
        command = PlayAndCollect(
            call=self.ref, media=media, digits=digits, speech=speech,
            initial_timeout=initial_timeout, partial_results=partial_results,
            continuous=continuous, volume=volume, status_url=status_url,
        )  # fmt: skip
        return PendingAction(Prompt(self._call, command.control_id, command.action), command)

    def prompt_tts(
        self,
        text: str,
        *,
        language: str | None = None,
        gender: str | None = None,
        voice: str | None = None,
        digits: CollectDigits | None = None,
        speech: CollectSpeech | None = None,
        initial_timeout: float | None = None,
        volume: float | None = None,
    ) -> PendingAction[Prompt]:
        """Say ``text``, then collect: :meth:`play_and_collect` with one TTS item."""
        tts = TtsMedia(text=text, language=language, gender=gender, voice=voice)
        return self.play_and_collect(
            [tts], digits=digits, speech=speech, initial_timeout=initial_timeout, volume=volume
        )

    def prompt_audio(
        self,
        url: str,
        *,
        digits: CollectDigits | None = None,
        speech: CollectSpeech | None = None,
        initial_timeout: float | None = None,
        volume: float | None = None,
    ) -> PendingAction[Prompt]:
        """Play the file at ``url``, then collect: :meth:`play_and_collect`."""
        return self.play_and_collect(
            [AudioMedia(url=url)], digits=digits, speech=speech,
            initial_timeout=initial_timeout, volume=volume,
        )  # fmt: skip

    def collect(
        self,
        *,
        digits: CollectDigits | None = None,
        speech: CollectSpeech | None = None,
        initial_timeout: float | None = None,
        partial_results: bool | None = None,
        continuous: bool | None = None,
        send_start_of_input: bool | None = None,
        start_input_timers: bool | None = None,
        status_url: str | None = None,
    ) -> PendingAction[Collection]:
        """Collect digits and/or speech without a prompt (``calling.collect``).

        ``continuous=True`` keeps collecting after each result: use it with
        ``async with`` and read ``collection.events()``.
        """
        command = Collect(
            call=self.ref, digits=digits, speech=speech, initial_timeout=initial_timeout,
            partial_results=partial_results, continuous=continuous,
            send_start_of_input=send_start_of_input, start_input_timers=start_input_timers,
            status_url=status_url,
        )  # fmt: skip
        return PendingAction(Collection(self._call, command.control_id, command.action), command)

    def detect(
        self,
        detector: Detector,
        *,
        timeout: float | None = None,
        wait_for_beep: bool = False,
        status_url: str | None = None,
    ) -> PendingAction[Detection]:
        """Run a detector (``calling.detect``): ``detection.event`` is what it heard.

        ``wait_for_beep`` (machine detector, client-only) waits after
        ``MACHINE`` for the beep before deciding.  Awaited, the detector is
        stopped once it decided.
        """
        command = Detect(
            call=self.ref, detect=detector, timeout=timeout, wait_for_beep=wait_for_beep,
            status_url=status_url,
        )  # fmt: skip
        return PendingAction(Detection(self._call, command.control_id, command.action), command)

    def detect_answering_machine(
        self,
        *,
        wait_for_beep: bool = False,
        timeout: float | None = None,
        initial_timeout: float | None = None,
        end_silence_timeout: float | None = None,
        machine_voice_threshold: float | None = None,
        machine_words_threshold: int | None = None,
    ) -> PendingAction[Detection]:
        """Is a human or a machine answering? (``detect`` with the machine detector)."""
        params: JSONObject = {
            key: value
            for key, value in (
                ("initial_timeout", initial_timeout),
                ("end_silence_timeout", end_silence_timeout),
                ("machine_voice_threshold", machine_voice_threshold),
                ("machine_words_threshold", machine_words_threshold),
            )
            if value is not None
        }
        return self.detect(
            Detector(type="machine", params=params), timeout=timeout, wait_for_beep=wait_for_beep
        )

    def detect_fax(
        self, *, tone: str | None = None, timeout: float | None = None
    ) -> PendingAction[Detection]:
        """Detect a fax tone (``CED``/``CNG``)."""
        params: JSONObject = {} if tone is None else {"tone": tone}
        return self.detect(Detector(type="fax", params=params), timeout=timeout)

    def detect_digit(
        self, *, digits: str | None = None, timeout: float | None = None
    ) -> PendingAction[Detection]:
        """Detect a DTMF digit (of ``digits``, if given)."""
        params: JSONObject = {} if digits is None else {"digits": digits}
        return self.detect(Detector(type="digit", params=params), timeout=timeout)

    # -- fax, tap, stream, pay, transcribe, ai, digits, queue ----------------------------

    def send_fax(
        self,
        document: str,
        *,
        identity: str | None = None,
        header_info: str | None = None,
        status_url: str | None = None,
    ) -> PendingAction[Fax]:
        """Send the PDF at ``document`` as a fax (``calling.send_fax``)."""
        command = SendFax(
            call=self.ref, document=document, identity=identity, header_info=header_info,
            status_url=status_url,
        )  # fmt: skip
        return PendingAction(Fax(self._call, command.control_id, command.action), command)

    def receive_fax(self, *, status_url: str | None = None) -> PendingAction[Fax]:
        """Receive a fax (``calling.receive_fax``): ``fax.document``, ``fax.pages``."""
        command = ReceiveFax(call=self.ref, status_url=status_url)
        return PendingAction(Fax(self._call, command.control_id, command.action), command)

    def tap(
        self, device: TapDevice, *, direction: str = "both", status_url: str | None = None
    ) -> PendingAction[Tapping]:
        """Copy the call's audio (``direction``: listen, speak, both) to ``device``."""
        command = Tap(call=self.ref, device=device, direction=direction, status_url=status_url)
        return PendingAction(Tapping(self._call, command.control_id, command.action), command)

    def stream(self, url: str, **options: Any) -> PendingAction[Streaming]:
        """Stream the call's audio to the WebSocket at ``url`` (``calling.stream``).

        ``options``: the other fields of :class:`relay_core.Stream` (``name``,
        ``codec``, ``track``, ``authorization_bearer_token``...).
        """
        command = Stream(call=self.ref, url=url, **options)
        return PendingAction(Streaming(self._call, command.control_id, command.action), command)

    def pay(self, payment_connector_url: str, **options: Any) -> PendingAction[Payment]:
        """Collect a card payment (``calling.pay``); ``payment.result.result``.

        ``options``: the other fields of :class:`relay_core.Pay`.
        """
        command = Pay(call=self.ref, payment_connector_url=payment_connector_url, **options)
        return PendingAction(Payment(self._call, command.control_id, command.action), command)

    def transcribe(self, *, status_url: str | None = None) -> PendingAction[Transcription]:
        """Transcribe the call until stopped (``calling.transcribe``)."""
        command = Transcribe(call=self.ref, status_url=status_url)
        return PendingAction(Transcription(self._call, command.control_id, command.action), command)

    def ai(self, **options: Any) -> PendingAction[AISession]:
        """Run an AI agent on the call (``calling.ai``); fields of :class:`relay_core.AI`."""
        command = AI(call=self.ref, **options)
        return PendingAction(AISession(self._call, command.control_id, command.action), command)

    def send_digits(self, digits: str) -> PendingAction[DigitSending]:
        """Send DTMF ``digits`` (``w``: 0.5 s pause, ``W``: 1 s) and wait until sent."""
        command = SendDigits(call=self.ref, digits=digits)
        return PendingAction(DigitSending(self._call, command.control_id, command.action), command)

    def queue_enter(
        self, queue_name: str, *, status_url: str | None = None, wait_url: str | None = None
    ) -> PendingAction[QueueEntry]:
        """Put the call in a queue (``calling.queue.enter``); leaving the block leaves it."""
        command = QueueEnter(
            call=self.ref, queue_name=queue_name, status_url=status_url, wait_url=wait_url
        )
        entry = QueueEntry(self._call, command.control_id, command.action, queue_name)
        return PendingAction(entry, command)

    # -- play helpers: play to the end ---------------------------------------------------

    async def play_tts(
        self,
        text: str,
        *,
        language: str | None = None,
        gender: str | None = None,
        voice: str | None = None,
        volume: float | None = None,
    ) -> PlayState:
        """Say ``text`` and wait until it is over (``FINISHED`` or ``ERROR``)."""
        tts = TtsMedia(text=text, language=language, gender=gender, voice=voice)
        return await self._play_through([tts], volume)

    async def play_audio(self, url: str, *, volume: float | None = None) -> PlayState:
        """Play the file at ``url`` to the end."""
        return await self._play_through([AudioMedia(url=url)], volume)

    async def play_silence(self, duration: float) -> PlayState:
        """Play ``duration`` seconds of silence."""
        return await self._play_through([SilenceMedia(duration=duration)], None)

    async def play_ringtone(
        self, name: str, *, duration: float | None = None, volume: float | None = None
    ) -> PlayState:
        """Play a country's ringback tone (``us``, ``uk``...) to the end."""
        return await self._play_through([RingtoneMedia(name=name, duration=duration)], volume)

    async def _play_through(self, media: Sequence[object], volume: float | None) -> PlayState:
        playback = await self.play(media, volume=volume)
        try:
            return await playback.wait()
        finally:
            if not playback.done:  # cancelled: stop it on the server (bounded, shielded)
                with trio.CancelScope(shield=True) as scope:
                    scope.deadline = trio.current_time() + PLAY_STOP_TIMEOUT
                    with contextlib.suppress(RelayError):  # over or gone already
                        await playback.stop()
