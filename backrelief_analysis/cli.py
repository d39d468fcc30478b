"""The ``backrelief`` command line.

Heavy libraries (pandas, matplotlib, reportlab) are imported inside the subcommands that use
them, so ``backrelief --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from . import __version__

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A problem to tell the user in one sentence, then exit non-zero."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-24") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def _load(data_dir: Path | None):  # -> tuple[Log, bool]
    """Load the log to work on: ``data_dir``, else the user's log, else the demo data."""
    from . import paths
    from .store import LogError, load_log

    if data_dir is not None:
        directory, is_demo = data_dir, False
    else:
        directory, is_demo = paths.analysis_dir()
    if not directory.is_dir():
        raise CommandError(f"there is no log folder at {directory}")
    try:
        return load_log(directory), is_demo
    except LogError as error:
        raise CommandError(str(error)) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """Write a synthetic demo log."""
    from .demo import write_demo

    try:
        exercise_rows, pain_rows = write_demo(args.out, weeks=args.weeks, seed=args.seed)
    except FileExistsError as error:
        raise CommandError(str(error)) from None
    print(f"Wrote {exercise_rows} exercise rows and {pain_rows} pain rows to {args.out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a log and summarise it in one line."""
    from . import paths
    from .store import LogError, load_log

    directory = args.data_dir or paths.log_dir()
    if not directory.is_dir():
        raise CommandError(f"there is no log folder at {directory}")
    try:
        log = load_log(directory)
    except LogError as error:
        print(error)
        return 1
    sessions = log.exercise["session_id"].nunique()
    days = log.pain["date"].dt.date
    span = f", {days.min()} to {days.max()}" if len(days) else ""
    print(f"{directory}: OK, {sessions} sessions, {len(log.exercise)} exercise rows, "
          f"{len(log.pain)} pain scores{span}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="backrelief",
        description="Follow a home exercise programme for lower back pain and see whether it "
        "helps. Not medical advice.",
    )
    parser.add_argument("--version", action="version", version=f"backrelief {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="write a synthetic demo log",
                               description="Write a seeded, synthetic demo log to a folder.")
    demo.add_argument("--out", type=Path, required=True, help="folder to write into")
    demo.add_argument("--weeks", type=_positive, default=12, help="length in weeks (default 12)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="validate a log",
                                description="Validate the two log files and list every problem.")
    check.add_argument("--data-dir", type=Path, help="log folder (default: your log)")
    check.set_defaults(handler=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"backrelief {args.command}: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"backrelief {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
