"""Hypothesis: any sequence of verb requests on a live call, at any times, then the call ends.

Every request gets exactly one reply with a string code or a JSON-RPC error;
nothing raises; every action's events stop at the call's ``ending``; nothing
about the call is left behind.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_core.testing import Answers
from tests.json_strategies import json_values

from .test_verbs_plain import ISSUE_13_METHODS, VALID
from .wire_client import WireClient

METHODS = sorted(ISSUE_13_METHODS)
CONTROL_IDS = st.sampled_from(["a", "b", "c"])


@st.composite
def verb_requests(draw: st.DrawFn) -> tuple[str, dict[str, Any], float]:
    method = draw(st.sampled_from(METHODS))
    params: dict[str, Any] = {"control_id": draw(CONTROL_IDS), **VALID.get(method, {})}
    spoil: bool = draw(st.booleans())
    if spoil:  # spoil one field, or add a stray one
        key = draw(st.sampled_from([*params, "volume", "timeout", "digits", "extra"]))
        params[key] = draw(json_values)
    wait = draw(st.sampled_from([0.0, 0.1, 1.0, 5.0, 30.0]))
    return method, params, wait


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(verb_requests(), min_size=1, max_size=12), st.booleans())
def test_any_verbs_then_the_call_ends(requests: list[Any], stop_first: bool) -> None:
    client = WireClient()
    callee = Answers(after=1, presses=("1#", "22"), says="sales", answered_by="machine")
    call = client.dial(behaviour=callee)
    for method, params, wait in requests:
        response = client.request(method, {**call, **params})
        if "result" in response:
            code = response["result"]["code"]
            assert isinstance(code, str) and code in ("200", "400", "404", "409", "410"), response
        else:
            assert isinstance(response["error"]["code"], int)
        client.advance(wait)
    if stop_first:
        for control_id in ("a", "b", "c"):
            client.request("calling.record.stop", {**call, "control_id": control_id})
    if call["call_id"] in client.server.network._legs:  # a refer may have transferred it away
        client.hangup(call)
    client.advance(120)
    kinds = [(kind, p.get("call_state")) for _, kind, p in client.events]
    ended = kinds.index(("calling.call.state", "ended"))
    assert kinds[ended - 1] == ("calling.call.state", "ending")
    assert kinds[ended + 1 :] == []  # nothing after ended (conference leave comes before)
    sizes = client.server.table_sizes()
    assert sizes["verb_calls"] == sizes["actions"] == sizes["queues"] == sizes["conferences"] == 0
    assert client.server.next_deadline() is None or client.server.network.calls() == []
