"""The action verbs of :class:`~relay_asyncio.Call`, as the official SDK (3.7.5) names them.

Each method builds the params the official SDK would send (its dicts, its
renamed arguments such as ``input_method`` -> ``input``, its ``**kwargs``
as top-level keys) and reads them into the core's typed command
(``from_request_params``): the same validators run before anything is sent,
unknown top-level keys travel as the command's ``extra``, and a key the
command could not send is refused rather than dropped.  The action handle
is registered before the request goes out; the core settles it (its result,
the call ending, its start failing).  404/410 raise
:class:`~relay_core.CallGoneError`.  The reply verbs and play are in ``_call_verbs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from relay_core import (
    AI,
    Collect,
    Detect,
    Pay,
    PlayAndCollect,
    ReceiveFax,
    Record,
    SendFax,
    Stream,
    Tap,
    Transcribe,
    check_flag,
    media_list,
    media_list_to_wire,
)

from ._actions import (
    Action,
    AIAction,
    CollectAction,
    CompletedHandler,
    DetectAction,
    FaxAction,
    PayAction,
    RecordAction,
    StandaloneCollectAction,
    StreamAction,
    TapAction,
    TranscribeAction,
)
from ._call_verbs import CallVerbs, check_handler, tts_media

__all__ = ["CallActions"]

_A = TypeVar("_A", bound=Action)


class CallActions(CallVerbs):
    """The action verbs (each returns its action handle, as the official SDK)."""

    async def _begin(self, action: _A, command: Any) -> _A:
        """Register ``action``, send ``command``; the action, once the server took it."""
        await self._client._start_action(action, command)
        return action

    def _handle(
        self, cls: type[_A], command: Any, on_completed: CompletedHandler | None, **kw: Any
    ) -> _A:
        check_handler(on_completed)
        return cls(self, command.control_id, on_completed, **kw)  # type: ignore[arg-type]

    async def _start_verb(
        self,
        cls: type[_A],
        command_type: Any,
        params: dict[str, Any],
        kwargs: Mapping[str, Any],
        on_completed: CompletedHandler | None,
        **kw: Any,
    ) -> _A:
        """``command_type`` read from ``params`` and ``**kwargs``, started as a ``cls`` handle."""
        command = command_type.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(cls, command, on_completed, **kw), command)

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
        return await self._start_verb(RecordAction, Record, params, kwargs, on_completed)

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
        return await self._start_verb(CollectAction, PlayAndCollect, params, kwargs, on_completed)

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
        media = [tts_media(text, language, gender, voice)]
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
        return await self._start_verb(
            StandaloneCollectAction, Collect, params, kwargs, on_completed
        )

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

    # -- fax, tap, stream, pay, transcribe, ai ---------------------------------------------

    async def send_fax(
        self,
        document: str,
        *,
        identity: str | None = None,
        header_info: str | None = None,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> FaxAction:
        """Send the PDF at ``document`` as a fax."""
        params = self._action_params(
            control_id, document=document, identity=identity, header_info=header_info
        )
        return await self._start_verb(FaxAction, SendFax, params, kwargs, on_completed, send=True)

    async def receive_fax(
        self,
        *,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> FaxAction:
        """Receive a fax."""
        params = self._action_params(control_id)
        return await self._start_verb(
            FaxAction, ReceiveFax, params, kwargs, on_completed, send=False
        )

    async def tap(
        self,
        tap: Mapping[str, Any],
        device: Mapping[str, Any],
        *,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> TapAction:
        """Copy the call's audio (``tap``) to ``device`` (``rtp`` or ``ws``)."""
        params = self._action_params(control_id, tap=tap, device=device)
        return await self._start_verb(TapAction, Tap, params, kwargs, on_completed)

    async def stream(
        self,
        url: str,
        *,
        name: str | None = None,
        codec: str | None = None,
        track: str | None = None,
        status_url: str | None = None,
        status_url_method: str | None = None,
        authorization_bearer_token: str | None = None,
        custom_parameters: Mapping[str, Any] | None = None,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> StreamAction:
        """Stream the call's audio to the WebSocket at ``url``."""
        params = self._action_params(
            control_id,
            url=url,
            name=name,
            codec=codec,
            track=track,
            status_url=status_url,
            status_url_method=status_url_method,
            authorization_bearer_token=authorization_bearer_token,
            custom_parameters=custom_parameters,
        )
        return await self._start_verb(StreamAction, Stream, params, kwargs, on_completed)

    async def pay(
        self,
        payment_connector_url: str,
        *,
        control_id: str | None = None,
        input_method: str | None = None,
        status_url: str | None = None,
        payment_method: str | None = None,
        timeout: str | None = None,
        max_attempts: str | None = None,
        security_code: str | None = None,
        postal_code: str | None = None,
        min_postal_code_length: str | None = None,
        token_type: str | None = None,
        charge_amount: str | None = None,
        currency: str | None = None,
        language: str | None = None,
        voice: str | None = None,
        description: str | None = None,
        valid_card_types: str | None = None,
        parameters: list[dict[str, Any]] | None = None,
        prompts: list[dict[str, Any]] | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> PayAction:
        """Collect a card payment (``input_method`` is sent as ``input``)."""
        params = self._action_params(
            control_id,
            payment_connector_url=payment_connector_url,
            input=input_method,
            status_url=status_url,
            payment_method=payment_method,
            timeout=timeout,
            max_attempts=max_attempts,
            security_code=security_code,
            postal_code=postal_code,
            min_postal_code_length=min_postal_code_length,
            token_type=token_type,
            charge_amount=charge_amount,
            currency=currency,
            language=language,
            voice=voice,
            description=description,
            valid_card_types=valid_card_types,
            parameters=parameters,
            prompts=prompts,
        )
        return await self._start_verb(PayAction, Pay, params, kwargs, on_completed)

    async def transcribe(
        self,
        *,
        control_id: str | None = None,
        status_url: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> TranscribeAction:
        """Transcribe the call (results go to ``status_url``)."""
        params = self._action_params(control_id, status_url=status_url)
        return await self._start_verb(TranscribeAction, Transcribe, params, kwargs, on_completed)

    async def ai(
        self,
        *,
        control_id: str | None = None,
        agent: str | None = None,
        prompt: dict[str, Any] | None = None,
        post_prompt: dict[str, Any] | None = None,
        post_prompt_url: str | None = None,
        post_prompt_auth_user: str | None = None,
        post_prompt_auth_password: str | None = None,
        global_data: dict[str, Any] | None = None,
        pronounce: list[dict[str, Any]] | None = None,
        hints: list[str] | None = None,
        languages: list[dict[str, Any]] | None = None,
        SWAIG: dict[str, Any] | None = None,
        ai_params: dict[str, Any] | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> AIAction:
        """Run an AI agent on the call (``ai_params`` is sent as ``params``)."""
        params = self._action_params(
            control_id,
            agent=agent,
            prompt=prompt,
            post_prompt=post_prompt,
            post_prompt_url=post_prompt_url,
            post_prompt_auth_user=post_prompt_auth_user,
            post_prompt_auth_password=post_prompt_auth_password,
            global_data=global_data,
            pronounce=pronounce,
            hints=hints,
            languages=languages,
            SWAIG=SWAIG,
            params=ai_params,
        )
        return await self._start_verb(AIAction, AI, params, kwargs, on_completed)
