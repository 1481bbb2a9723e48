"""The service actions of :class:`~relay_asyncio.Call`: fax, tap, stream, pay, transcribe,
ai, send_digits and queues (built as ``_call_verbs`` describes).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from relay_core import (
    AI,
    ControlId,
    InvalidArgumentError,
    JSONObject,
    Pay,
    QueueEnter,
    QueueLeave,
    ReceiveFax,
    SendDigits,
    SendFax,
    Stream,
    Tap,
    Transcribe,
)

from ._actions import (
    Action,
    AIAction,
    CompletedHandler,
    FaxAction,
    PayAction,
    StreamAction,
    TapAction,
    TranscribeAction,
)
from ._call_plain import PlainVerbs

if TYPE_CHECKING:
    from ._call import CallHost

__all__ = ["ServiceVerbs", "check_handler"]

_A = TypeVar("_A", bound=Action)


def check_handler(on_completed: object) -> None:
    """``on_completed`` is ``None`` or callable (checked before anything is sent)."""
    if on_completed is not None and not callable(on_completed):
        raise InvalidArgumentError(f"on_completed: {on_completed!r} is not callable")


class ServiceVerbs(PlainVerbs):
    """Fax, tap, stream, pay, transcribe, ai (action handles); send_digits, queues (replies)."""

    if TYPE_CHECKING:
        _client: CallHost

    #: This call's latest ``queue_enter``: (queue name, control_id), for ``queue_leave``.
    _queue_entered: tuple[str, ControlId] | None = None

    def _action_params(self, control_id: str | None, **named: object) -> dict[str, Any]:
        """A starter's params: the named values, and a fresh ``control_id`` unless given."""
        return self._params(control_id=control_id or str(uuid.uuid4()), **named)

    async def _begin(self, action: _A, command: Any) -> _A:
        """Register ``action``, send ``command``; the action, once the server took it."""
        await self._client._start_action(action, command)
        return action

    def _handle(
        self, cls: type[_A], command: Any, on_completed: CompletedHandler | None, **kw: Any
    ) -> _A:
        check_handler(on_completed)
        return cls(self, command.control_id, on_completed, **kw)  # type: ignore[arg-type]

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
        command = SendFax.from_request_params(self._merge(params, kwargs))
        action = self._handle(FaxAction, command, on_completed, send=True)
        return await self._begin(action, command)

    async def receive_fax(
        self,
        *,
        control_id: str | None = None,
        on_completed: CompletedHandler | None = None,
        **kwargs: Any,
    ) -> FaxAction:
        """Receive a fax."""
        params = self._action_params(control_id)
        command = ReceiveFax.from_request_params(self._merge(params, kwargs))
        action = self._handle(FaxAction, command, on_completed, send=False)
        return await self._begin(action, command)

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
        command = Tap.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(TapAction, command, on_completed), command)

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
        command = Stream.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(StreamAction, command, on_completed), command)

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
        command = Pay.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(PayAction, command, on_completed), command)

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
        command = Transcribe.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(TranscribeAction, command, on_completed), command)

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
        command = AI.from_request_params(self._merge(params, kwargs))
        return await self._begin(self._handle(AIAction, command, on_completed), command)

    # -- send_digits, queue: the reply is all the official SDK returns ----------------

    async def send_digits(self, digits: str, *, control_id: str | None = None) -> JSONObject:
        """Send DTMF (``w`` = 0.5 s, ``W`` = 1 s pause); returns the server's reply."""
        command = SendDigits(call=self, control_id=control_id, digits=digits)
        return await self._request(command)

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
