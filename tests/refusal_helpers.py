"""What a refused call says, for the tests of refusals' wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.errors import ValidationFailed


def refused(kind: type[Exception], call: Any, *args: Any, **kwargs: Any) -> str:
    """What ``call(*args, **kwargs)`` says when it is refused with ``kind``."""
    with pytest.raises(kind) as refusal:
        call(*args, **kwargs)
    return str(refusal.value)


def expects(call: Callable[[], object], chinese: str, english: str) -> str:
    """The refusal of ``call``: its expectation in Chinese, not in English."""
    text = refused(ValidationFailed, call)
    assert chinese in text, text
    assert english not in text and "expected" not in text, text
    return text
