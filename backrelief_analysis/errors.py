"""Errors in words: one sentence for every problem the kit can name, in the terminal and notebooks.

The command line prints :func:`in_words`; a notebook shows :func:`error_box` (an HTML box with
the same sentence) instead of a traceback, and goes on with the parts that can still work.
"""

from __future__ import annotations

import errno
import html
import re
from collections.abc import Callable
from typing import TypeVar

from .log.store import LogError
from .plan import PlanError

T = TypeVar("T")
# the problems a user can cause and fix: a plan, a log, a file or folder; anything else is a bug
KIT_ERRORS: tuple[type[BaseException], ...] = (PlanError, LogError, OSError, UnicodeDecodeError)

# what to do about the commonest file problems, in words (never an errno code)
_ADVICE = {
    errno.EACCES: "choose a folder you can write to, or ask who owns it",
    errno.EPERM: "choose a folder you can write to, or ask who owns it",
    errno.EROFS: "that disk is read-only; choose another folder",
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.ENOENT: "check the name and the folder",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder; give a file name",
}
# the temporary name a file has while it is written: ".report.html.obyjxpbe.tmp" is "report.html"
_TEMP_NAME = re.compile(r"(?:^|(?<=/))\.(?P<name>[^/]+)\.[A-Za-z0-9_]{6,}\.tmp$")


def shown_file_name(name: object) -> str:
    """A file name as the user knows it: without the temporary prefix and suffix of a write."""
    return _TEMP_NAME.sub(r"\g<name>", str(name))


def in_words(error: BaseException) -> str:
    """One sentence for ``error``: no errno code, no temporary file name, the file named.

    Example
    -------
    >>> in_words(PermissionError(13, "Permission denied", "/sys/.r.html.obyjxpbe.tmp"))
    '/sys/r.html: permission denied (choose a folder you can write to, or ask who owns it)'
    """
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror.rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        advice = _ADVICE.get(error.errno or 0)
        sentence = f"{reason} ({advice})" if advice else reason
        if error.filename is not None:
            return f"{shown_file_name(error.filename)}: {sentence}"
        return sentence
    if isinstance(error, UnicodeDecodeError):
        return (f"byte {error.start + 1} is not UTF-8 text; save the file as UTF-8 (in a "
                "spreadsheet: CSV UTF-8)")
    text = str(error).strip() or type(error).__name__
    return re.sub(r"\[Errno \d+\]\s*", "", text)


def error_box(error: BaseException | str, *, then: str = "") -> str:
    """The error as a small HTML box for a notebook: the sentence, and what still works.

    Parameters
    ----------
    error
        The kit's error (or a sentence already in words).
    then
        A second, optional sentence: what the notebook does instead.
    """
    text = error if isinstance(error, str) else in_words(error)
    lines = text.split("\n")
    body = html.escape(lines[0])
    if len(lines) > 1:  # a log's problems: one per line, under the sentence
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in lines[1:])
        body += f'<ul style="margin:0.3em 0 0 0">{items}</ul>'
    if then:
        body += f'<div style="margin-top:0.3em">{html.escape(then)}</div>'
    return ('<div class="backrelief-error" role="alert" style="border:2px solid #D55E00;'
            "border-radius:4px;padding:0.6em 0.8em;margin:0.4em 0;background:#fff7f0;"
            f'color:#000">{body}</div>')


def show_error(error: BaseException | str, *, then: str = "") -> None:
    """Display :func:`error_box` in the notebook (the kernel's display, no traceback)."""
    from IPython.display import HTML, display

    display(HTML(error_box(error, then=then)))


def attempt(action: Callable[..., T], *args: object, then: str = "", **kwargs: object
            ) -> T | None:
    """Run ``action``; on an error the kit can name, show its box and return ``None``.

    A notebook calls each step through this, so a bad plan or log stops only the parts that
    need it, never with a traceback. ``ValueError`` is the kit's error for a bad value (a
    period like ``START = "2026-13-01"``), and is shown the same way.
    """
    try:
        return action(*args, **kwargs)
    except (*KIT_ERRORS, ValueError) as error:
        show_error(error, then=then)
        return None


__all__ = ["KIT_ERRORS", "attempt", "error_box", "in_words", "show_error", "shown_file_name"]
