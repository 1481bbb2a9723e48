"""The fake server's inbound side: one frame in, the handshake, request dispatch.

Every frame goes through the shared wire codec; ``signalwire.connect``
authenticates, starts or resumes a session (RELAY.md C.1-C.7) before any
other method is served; scripted response plans apply here; ``calling.*``
requests go on to the :class:`~relay_core.fake.PhoneNetwork`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from .._errors import InvalidArgumentError, RemoteProtocolError
from .._ids import JSONDict, JSONObject
from ..client._commands import Receive, Unreceive
from ..wire._wire import (
    ErrorResponse,
    MalformedRequestError,
    Request,
    Response,
    WireId,
    decode,
)
from ._connections import _ServerCore
from ._legs import SessionKey
from ._records import (
    _CLOSED,
    _DRAINING,
    _OPEN,
    _READY,
    AUTH_FAILED_CODE,
    CLIENT_TO_SERVER,
    MAX_CONTEXTS,
    STALE_AUTHORIZATION_CODE,
    SUPPORTED_MAJOR_VERSIONS,
    CloseRequest,
    ConnectionId,
    _Connection,
    _Plan,
    _Session,
    _valid_contexts,
)

__all__ = []


class _ServerProtocol(_ServerCore):
    """Receiving and the handshake of :class:`FakeRelayServer` (see there)."""

    # -- receiving -----------------------------------------------------------

    def receive_binary(self, conn: ConnectionId) -> CloseRequest:
        """A binary frame arrived: RELAY.md A allows text only, so close with 1003.

        Both testing servers call this and close the socket as returned.
        """
        return CloseRequest(
            connection=conn, code=1003, reason="RELAY frames are text", abrupt=False
        )

    def receive_text(self, conn: ConnectionId, text: str | bytes, *, now: float) -> None:
        """Handle one inbound frame.

        A malformed frame is answered with a JSON-RPC error (``-32700``
        unparseable, ``-32600`` invalid request, ``-32602`` invalid params);
        it never raises for the frame's content.

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        try:
            message = decode(text)
        except MalformedRequestError as exc:
            self._record(conn, CLIENT_TO_SERVER, text, None, now)
            self._reply_error(connection, exc.request_id, exc.error_code, exc.message, now)
            return
        except RemoteProtocolError as exc:
            self._record(conn, CLIENT_TO_SERVER, text, None, now)
            code = -32700 if isinstance(exc.__cause__, ValueError) else -32600
            self._reply_error(connection, None, code, exc.message, now)
            return
        self._record(conn, CLIENT_TO_SERVER, text, message, now)
        match message:
            case Request():
                self._on_request(connection, message, now)
            case Response():
                self._on_response(connection, message.id)
            case ErrorResponse():
                if message.id is not None:
                    self._on_response(connection, message.id)
        self.scheduler.run_due(now)

    def _on_response(self, connection: _Connection, response_id: WireId) -> None:
        key = str(response_id)
        if connection.unacked.pop(key, None) is not None:
            return
        if connection.pings.pop(key, None) is not None:
            return
        if connection.disconnect_id == key:
            # RELAY.md C.6: the client acked signalwire.disconnect; now close.
            connection.disconnect_id = None
            self._to_close.append(
                CloseRequest(connection=connection.id, code=1000, reason="disconnect", abrupt=False)
            )
            return
        self.stray_responses += 1

    def _on_request(self, connection: _Connection, request: Request, now: float) -> None:
        request_id = request.id
        if request_id is None:
            return  # RELAY.md B.1: clients never send notifications; ignore one
        plans = self._plans.get(request.method)
        plan = plans.popleft() if plans else None
        if plans is not None and not plans:
            del self._plans[request.method]
        if plan is None:
            self._handle_request(connection, request_id, request, now)
            return
        if plan.withhold:
            return
        if plan.delay:
            self.scheduler.call_at(
                now + plan.delay,
                lambda when: self._run_plan(connection, request_id, request, plan, when),
            )
            return
        self._run_plan(connection, request_id, request, plan, now)

    def _run_plan(
        self, connection: _Connection, request_id: WireId, request: Request, plan: _Plan, now: float
    ) -> None:
        if connection.state == _CLOSED:
            return
        if plan.error is not None:
            error = plan.error
            self._reply_error(connection, request_id, error.code, error.message, now, error.data)
        elif plan.result is not None:
            self._reply(connection, request_id, plan.result, now)
        else:
            self._handle_request(connection, request_id, request, now)

    def _handle_request(
        self, connection: _Connection, request_id: WireId, request: Request, now: float
    ) -> None:
        method = request.method
        params = request.params
        if method == "signalwire.connect":
            self._handshake(connection, request_id, params, now)
            return
        session = connection.session
        if connection.state not in (_READY, _DRAINING) or session is None:
            self._reply_error(
                connection,
                request_id,
                AUTH_FAILED_CODE,
                "Authentication required: send signalwire.connect first",
                now,
                {"signalwire_error_code": "AUTH_REQUIRED"},
            )
            return
        if method == "signalwire.ping":
            stamp = params.get("timestamp")
            result: JSONObject = {"timestamp": stamp} if isinstance(stamp, int | float) else {}
            self._reply(connection, request_id, result, now)
        elif method in ("signalwire.receive", "signalwire.unreceive"):
            self._receive(connection, session, request_id, method, params, now)
        elif method in self.messaging.methods:
            result = self.messaging.handle(session.key, method, params, now)
            self._reply(connection, request_id, result, now)
        elif method in self.network.methods:
            self._reply(
                connection, request_id, self.network.handle(session.key, method, params, now), now
            )
        else:
            self._reply_error(connection, request_id, -32601, f"Method not found: {method}", now)

    def _receive(
        self,
        connection: _Connection,
        session: _Session,
        request_id: WireId,
        method: str,
        params: JSONObject,
        now: float,
    ) -> None:
        # RELAY.md C.4: add or remove contexts; code-checked results.
        read = Receive.from_params if method == "signalwire.receive" else Unreceive.from_params
        try:
            contexts = read(params).contexts
        except InvalidArgumentError as exc:
            result: JSONDict = {"code": "400", "message": exc.message}
            self._reply(connection, request_id, result, now)
            return
        if (
            method == "signalwire.receive"
            and len({**session.contexts, **dict.fromkeys(contexts)}) > MAX_CONTEXTS
        ):
            result = {"code": "400", "message": f"contexts: at most {MAX_CONTEXTS} per session"}
            self._reply(connection, request_id, result, now)
        elif method == "signalwire.receive":
            session.contexts.update(dict.fromkeys(contexts))
            self._reply(connection, request_id, {"code": "200", "message": "Receiving events"}, now)
            self.network.offer_pending(now)
        else:
            for context in contexts:
                session.contexts.pop(context, None)
            self._reply(
                connection, request_id, {"code": "200", "message": "Unreceiving events"}, now
            )

    # -- the handshake -------------------------------------------------------

    def _handshake(
        self, connection: _Connection, request_id: WireId, params: JSONObject, now: float
    ) -> None:
        """RELAY.md C.1-C.3: authenticate, create or resume a session, push the blob."""
        if connection.state != _OPEN:
            self._reply_error(
                connection, request_id, -32600, "signalwire.connect: already authenticated", now
            )
            return
        version = params.get("version")
        major = version.get("major") if isinstance(version, Mapping) else None
        if (
            not isinstance(major, int)
            or isinstance(major, bool)
            or major not in SUPPORTED_MAJOR_VERSIONS
        ):
            self._reply_error(
                connection,
                request_id,
                -32602,
                "Invalid params: unsupported or missing version",
                now,
            )
            return
        authentication = params.get("authentication")
        if not isinstance(authentication, Mapping):
            self._reply_error(
                connection, request_id, -32602, "Invalid params: authentication is required", now
            )
            return
        project = self._authenticate(authentication)
        if project is None:
            # Never a result with a code: [PY] does not code-check this result (C.2).
            self._reply_error(
                connection,
                request_id,
                AUTH_FAILED_CODE,
                "Authentication failed",
                now,
                {"signalwire_error_code": "AUTH_REQUIRED"},
            )
            return
        raw_contexts = params.get("contexts", [])
        contexts = _valid_contexts(raw_contexts)
        if contexts is None or len(set(contexts)) > MAX_CONTEXTS:
            self._reply_error(
                connection,
                request_id,
                -32602,
                f"Invalid params: contexts must be a list of at most {MAX_CONTEXTS} strings",
                now,
            )
            return
        session = None
        protocol = params.get("protocol")
        if isinstance(protocol, str):
            known = self._sessions.get(SessionKey(protocol))
            if known is not None and known.project == project and known.resumable:
                session = known
        blob = params.get("authorization_state")
        if (
            self._reject_stale
            and blob is not None
            and (session is None or blob != session.authorization_state)
        ):
            self._reply_error(
                connection, request_id, STALE_AUTHORIZATION_CODE, "Requester validation failed", now
            )
            return
        restored = session is not None
        if session is None:
            session = self._new_session(project)
        previous = session.connection
        if previous is not None and previous is not connection:
            # The client came back before we noticed its old socket die.
            self._lose(previous, now)
            self._to_close.append(
                CloseRequest(
                    connection=previous.id, code=1000, reason="session resumed", abrupt=False
                )
            )
        connection.session = session
        connection.state = _READY
        session.connection = connection
        if session.expiry is not None:
            session.expiry()  # resumed in time
            session.expiry = None
        # RELAY.md C.4/C.7: the contexts of *this* connect are the subscription.
        session.contexts = dict.fromkeys(contexts)
        self._reply(
            connection,
            request_id,
            {
                "identity": session.identity,
                "nodeid": session.identity,
                "master_nodeid": self.node_id,
                "protocol": session.key,
                "session_restored": restored,
                "sessionid": session.sessionid,
                "authorization": {
                    "project": project,
                    "scopes": ["calling", "messaging"],
                    "signature": session.signature,
                    "expires_at": None,
                },
            },
            now,
        )
        session.authorization_state = self._new_blob()
        self._send_event(
            connection,
            session,
            "signalwire.authorization.state",
            {"authorization_state": session.authorization_state},
            now,
        )
        while session.buffer and session.connection is connection:
            event_type, event_params = session.buffer.popleft()
            self._send_event(connection, session, event_type, event_params, now)
        if self._ping_interval is not None:
            self._arm_ping(connection, now + self._ping_interval)
        self.network.offer_pending(now)

    def _authenticate(self, authentication: JSONObject) -> str | None:
        jwt = authentication.get("jwt_token")
        if isinstance(jwt, str) and jwt:
            return self._jwt_project if jwt in self._jwt_tokens else None
        project = authentication.get("project")
        token = authentication.get("token")
        if isinstance(project, str) and isinstance(token, str):
            expected = self._credentials.get(project)
            if expected is not None and token == expected:
                return project
        return None

    def _new_session(self, project: str) -> _Session:
        signature = self._new_id().replace("-", "")
        key = SessionKey(f"signalwire_{signature}_{self._new_id()}_{self._new_id()}")
        session = _Session(key, project, signature, f"{self._new_id()}@fake-relay", self._new_id())
        self._sessions[key] = session
        return session

    def _new_blob(self) -> str:
        left = base64.b64encode(self._new_id().encode()).decode()
        right = base64.b64encode(self._new_id().encode()).decode()
        return f"{left}:{right}"
