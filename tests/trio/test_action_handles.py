"""The trio handles' result attributes (``recording.url``, ``prompt.digits``...).

They are one descriptor (``_OfResult``) naming a payload attribute by string,
so this checks each name against its handle's payload view: a typo would
otherwise read ``AttributeError`` only when an action finishes.
"""

from __future__ import annotations

import pytest

import relay_trio
from relay_trio._actions import Action, _OfResult

HANDLES = [
    cls
    for cls in vars(relay_trio).values()
    if isinstance(cls, type) and issubclass(cls, Action) and cls is not Action
]
FIELDS = [
    (cls, name, field)
    for cls in HANDLES
    for klass in cls.__mro__
    for name, field in vars(klass).items()
    if isinstance(field, _OfResult)
]


def test_the_handles_read_result_attributes() -> None:
    assert {name for _, name, _ in FIELDS} >= {"url", "digits", "event", "pages", "confidence"}


@pytest.mark.parametrize(
    ("cls", "name", "field"), FIELDS, ids=[f"{c.__name__}.{n}" for c, n, _ in FIELDS]
)
def test_each_result_attribute_names_a_payload_attribute(
    cls: type[Action[object]], name: str, field: _OfResult[object]
) -> None:
    assert hasattr(cls._payload, field.attribute), (cls, name, field.attribute)
    assert getattr(cls, name) is field  # read on the class: the descriptor, with its doc
    assert field.__doc__
