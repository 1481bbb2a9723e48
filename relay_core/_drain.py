"""What both adapters' ``serve`` report, and the drain's shared defaults.

A drain (RELAY.md C.4's ``signalwire.unreceive``, then a grace period) is
run by the adapters' ``serve``, because it waits; the numbers it reports and
its defaults are decided once, here.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["DEFAULT_GRACE", "DRAIN_HANGUP_TIMEOUT", "ServeSummary"]

#: Seconds the calls in progress may take to finish once a drain starts.
DEFAULT_GRACE: Final = 30.0
#: Seconds each ``calling.end`` of a call cut at the end of the grace may take.
DRAIN_HANGUP_TIMEOUT: Final = 5.0


@attrs.frozen
class ServeSummary:
    """What one ``serve`` did, returned when it ends.

    Attributes:
        handled: inbound calls given to the handler.
        finished: handlers that returned (or raised) on their own.
        cut: handlers still running when the grace ran out: cancelled, and
            their call hung up.
        passed: offers passed back to the server (``calling.pass``) after the
            drain began, so another client answers them.
        drained: ``True`` if the serve ended by a drain, ``False`` if the
            client closed under it.
    """

    handled: int = 0
    finished: int = 0
    cut: int = 0
    passed: int = 0
    drained: bool = False
