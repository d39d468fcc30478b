"""Small pieces of wording shared by everything the kit says or writes (standard library only,
so the session's cues can use them without pandas)."""

from __future__ import annotations


def plural(count: float, word: str) -> str:
    """``count`` and ``word``, with an ``s`` unless the count is exactly one.

    Examples
    --------
    >>> plural(1, "rep"), plural(2, "session"), plural(0.5, "second")
    ('1 rep', '2 sessions', '0.5 seconds')
    """
    return f"{count:g} {word}{'' if count == 1 else 's'}"
