"""The ``backrelief`` command line.

Heavy libraries (pandas, matplotlib, reportlab) are imported inside the subcommands that use
them, so ``backrelief --help`` answers at once.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from . import __version__
from .text import day_words, plural

Handler = Callable[[argparse.Namespace], int]
DEFAULT_CODE = "P001"  # the patient code of a de-identified export when none is given


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


def _read_log(directory: Path):  # -> Log
    """``load_log`` with its warnings kept for words: each is in ``Log.set_aside``/``repeated``."""
    import warnings

    from .log.store import DuplicateRowWarning, TornLineWarning, load_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornLineWarning)
        warnings.simplefilter("ignore", DuplicateRowWarning)
        return load_log(directory)


def _say_set_aside(log) -> None:  # log: Log
    """Never report success in silence while rows were left out: say how many and where."""
    for sentence in log.set_aside:
        print(f"Not included: {sentence}.")


def no_diary(directory: Path) -> str:
    """What a command that only reads says of a log folder that does not exist."""
    return (f"No diary at {directory}: check the folder's name (backrelief app --data-dir "
            f"{directory} --new starts a new diary there)")


def _load(data_dir: Path | None):  # -> tuple[Log, bool]
    """Load the log to work on: ``data_dir``, else the user's log, else the demo data."""
    from . import paths
    from .log.store import LogError

    named = os.environ.get(paths.DATA_DIR_ENV, "").strip()
    if data_dir is None and named and not paths.log_dir().is_dir():
        # a folder named in the environment is asked for as --data-dir is: no demo report
        # written into a new folder of that name
        data_dir = paths.log_dir()
    if data_dir is not None:
        directory, is_demo = data_dir, False
    else:
        directory, is_demo = paths.analysis_dir()
    if not directory.is_dir():
        raise CommandError(no_diary(directory))
    try:
        return _read_log(directory), is_demo
    except LogError as error:
        raise CommandError(str(error)) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """Write a synthetic demo log."""
    from .log.demo import recent_start, write_demo

    start = args.start if args.start is not None else recent_start(args.weeks)
    try:
        exercise_rows, pain_rows, outcome_rows, signal_rows = write_demo(
            args.out, weeks=args.weeks, seed=args.seed, start=start)
    except FileExistsError as error:
        raise CommandError(str(error)) from None
    print(f"Wrote {exercise_rows} exercise rows, {pain_rows} pain rows, {outcome_rows} "
          f"questionnaire rows and {signal_rows} signal rows to {args.out}, {args.weeks} weeks "
          f"from {start:%d %b %Y}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a log and summarise it in one line."""
    from . import paths
    from .log.store import LogError
    from .share.export import log_span

    directory = args.data_dir or paths.log_dir()
    if not directory.is_dir():
        raise CommandError(no_diary(directory))
    try:
        log = _read_log(directory)
    except LogError as error:
        print(error)
        return 1
    days = log_span(log)  # the report's period: both diaries, not the pain log alone
    span = f", {days[0]} to {days[1]}" if days else ""
    questionnaires = log.outcomes["set_id"].nunique()
    counts = (f"{sessions_text(log.exercise)}, {plural(len(log.exercise), 'exercise row')}, "
              f"{plural(len(log.pain), 'pain score')}, "
              f"{plural(questionnaires, 'questionnaire')}, "
              f"{plural(len(log.signals), 'signal')}{span}")
    for sentence in log.repeated:
        print(f"Note: {sentence}.")
    if log.set_aside:
        rows = len(log.set_aside)
        print(f"{directory}: loaded {counts}, but rows were left out in {rows} "
              f"place{'s' if rows > 1 else ''}:")
        for sentence in log.set_aside:
            print(f"  {sentence}")
        return 1
    print(f"{directory}: OK, {counts}")
    return 0


def sessions_text(exercise) -> str:  # exercise: the exercise frame of a Log
    """``"32 sessions (and 1 with no rep done)"``: sessions as the report counts them (a rep
    done, :func:`~.analysis.adherence.sessions`), and the others the log holds."""
    from .analysis.adherence import sessions

    counted = sessions(exercise)["counted"]
    done, idle = int(counted.sum()), int((~counted).sum())
    text = f"{done} session{'' if done == 1 else 's'}"
    return text + (f" (and {idle} with no rep done)" if idle else "")


def _load_plan(plan_path: Path | None):  # -> Plan
    from .plan import PlanError, load_plan

    try:
        return load_plan(plan_path)
    except PlanError as error:
        raise CommandError(str(error)) from None


def _plan_for(log, plan_path: Path | None):  # -> Plan
    """The plan a log is analysed against: the one its folder accepted last (in force on its
    last day), else ``--plan`` or the default plan."""
    from .log.plans import plan_for_log
    from .plan import PlanError

    try:
        return plan_for_log(log, _load_plan(plan_path))
    except PlanError as error:
        raise CommandError(str(error)) from None


def _check_period(log, start: date | None, end: date | None) -> None:
    from .share.export import check_period

    try:
        check_period(log, start, end)
    except ValueError as error:
        raise CommandError(str(error)) from None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the spreadsheet export (one row per session, check-in, questionnaire and barrier)."""
    from .analysis.summary import restrict_log
    from .share.export import deidentify_export, export_sessions, write_export

    if args.out.suffix.lower() != ".csv":
        raise CommandError(f"the export is a CSV file, so --out must end in .csv (got {args.out})")
    if args.code is not None and not args.deidentify:
        raise CommandError("--code is the patient code of a de-identified export; add "
                           "--deidentify")
    log, _ = _load(args.data_dir)
    _check_period(log, args.start, args.end)
    plan = _plan_for(log, args.plan)
    from .log.schema import TABLES

    protected = {(log.directory / table.file_name).resolve() for table in TABLES}
    if args.out.resolve() in protected:
        raise CommandError(f"--out {args.out} would overwrite the log itself; choose another file")
    if args.deidentify:
        rows = deidentify_export(log, plan, code=args.code or DEFAULT_CODE, start=args.start,
                                 end=args.end)
    else:
        rows = export_sessions(log, plan, start=args.start, end=args.end)
    written = write_export(rows, args.out)
    kinds = rows["kind"].value_counts()
    checks, asked = int(kinds.get("check_in", 0)), int(kinds.get("questionnaire", 0))
    barriers = int(kinds.get("barrier", 0))
    exported = restrict_log(log, args.start, args.end)  # the rows' period
    parts = [sessions_text(exported.exercise), f"{checks} check-in{'' if checks == 1 else 's'}"]
    if asked:
        parts.append(f"{asked} questionnaire{'' if asked == 1 else 's'}")
    if barriers:
        parts.append(plural(barriers, "barrier"))
    print(f"Wrote {', '.join(parts[:-1])} and {parts[-1]} to {written}")
    _say_set_aside(log)
    return 0


def _report_inputs(args: argparse.Namespace):  # -> tuple[Log, Plan, bool, str]
    """The log, plan, demo flag and source note of ``report`` and ``share``, all checked."""
    if args.deidentify and args.patient:
        raise CommandError("--patient and --deidentify contradict each other; give only one")
    log, is_demo = _load(args.data_dir)
    _check_period(log, args.start, args.end)
    plan = _plan_for(log, args.plan)
    note = "Made from the shipped demo data, not a real patient." if is_demo else ""
    return log, plan, is_demo, note


def cmd_report(args: argparse.Namespace) -> int:
    """Write the physiotherapist's report as PDF or HTML."""
    from .report.build import build_report, report_folder

    if args.out is not None and args.out.suffix.lower() not in (".pdf", ".html"):
        raise CommandError(f"--out must end in .pdf or .html (got {args.out})")
    log, plan, is_demo, note = _report_inputs(args)
    # without --out, the report goes where the notebook puts it too: the reports folder
    out = args.out or report_folder(log.directory, is_demo) / "report.pdf"
    written = build_report(log, plan, out, start=args.start, end=args.end,
                           patient=args.patient, deidentify=args.deidentify, source_note=note)
    source = " from the demo data" if is_demo else ""
    print(f"Wrote the report{source} to {written.resolve()}")
    _say_set_aside(log)
    return 0


def cmd_share(args: argparse.Namespace) -> int:
    """Write a share bundle: the log, the plan, the PDF report and a manifest in one zip."""
    from .share.bundle import BundleError, write_bundle

    if args.out.suffix.lower() != ".zip":
        raise CommandError(f"a bundle is a .zip file, so --out must end in .zip (got {args.out})")
    log, plan, is_demo, note = _report_inputs(args)
    try:
        written = write_bundle(log.directory, plan, args.out, start=args.start, end=args.end,
                               patient=args.patient, deidentify=args.deidentify,
                               source_note=note)
    except BundleError as error:
        raise CommandError(str(error)) from None
    kind = "de-identified bundle" if args.deidentify else "bundle"
    source = " from the demo data" if is_demo else ""
    print(f"Wrote the {kind}{source} to {written} (readable by you only)")
    return 0


def cmd_caseload(args: argparse.Namespace) -> int:
    """Read every bundle and log folder of a folder into one table, most in need first."""
    from .caseload.table import load_caseload
    from .caseload.view import display_table, write_table

    if args.out is not None and args.out.suffix.lower() not in (".csv", ".html"):
        raise CommandError(f"--out must end in .csv or .html (got {args.out})")
    if not args.directory.is_dir():
        raise CommandError(f"there is no caseload folder at {args.directory}")
    if args.plan is not None:
        _load_plan(args.plan)
    caseload = load_caseload(args.directory, args.plan, use_cache=not args.no_cache,
                             as_of=args.as_of)
    table = caseload.table
    if table.empty:
        raise CommandError(f"{args.directory} holds no bundle (.zip) and no log folder")
    if args.out is not None:
        written = write_table(caseload, args.out)
        print(f"Wrote {len(table)} patients to {written}")
    else:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", None,
                               "display.max_colwidth", 60):
            print(display_table(table).to_string(index=False))
    bad = len(caseload.problems)
    if bad:
        print(f"{bad} of {len(table)} could not be read; each row says why.", file=sys.stderr)
    return 0


def _plan_inputs(args: argparse.Namespace):  # -> tuple[Log, Plan]
    """The log and the plan in force of ``plan suggest`` and ``plan next``: a bundle's own
    log and plan, or a log folder's with the plan it accepted last (else ``--plan``)."""
    from .caseload.progression import PatientError, open_patient
    from .log.plans import plan_in_force
    from .log.store import now_local
    from .plan import PlanError

    if args.bundle is not None:
        if args.data_dir is not None:
            raise CommandError("give --data-dir or --bundle, not both")
        try:
            return open_patient(args.bundle, _load_plan(args.plan))
        except PatientError as error:
            raise CommandError(str(error)) from None
    log, _ = _load(args.data_dir)
    try:
        plan = plan_in_force(log.directory, args.as_of or now_local().date(),
                             _load_plan(args.plan))
    except PlanError as error:
        raise CommandError(str(error)) from None
    return log, plan


def cmd_plan_suggest(args: argparse.Namespace) -> int:
    """Print each exercise's progression suggestion: a prompt for the physiotherapist."""
    from .analysis.progression import suggest_progression
    from .words.progression import suggestion_lines

    log, plan = _plan_inputs(args)
    for line in suggestion_lines(suggest_progression(log, plan, as_of=args.as_of)):
        print(line)
    _say_set_aside(log)
    return 0


def _ids(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def cmd_plan_next(args: argparse.Namespace) -> int:
    """Write the next plan: the accepted steps applied, its version one higher."""
    from .caseload.progression import PatientError, write_next_plan

    up, down = _ids(args.accept), _ids(args.down)
    if not up and not down:
        raise CommandError("name the exercises whose step you approve: --accept "
                           "knee_to_chest,bridge (or --down ID to step one back)")
    if args.out.suffix.lower() != ".toml":
        raise CommandError(f"a plan is a .toml file, so --out must end in .toml (got {args.out})")
    log, plan = _plan_inputs(args)
    try:
        written = write_next_plan(log, plan, args.out, accept=up, down=down,
                                  valid_from=args.valid_from, as_of=args.as_of)
    except PatientError as error:
        raise CommandError(str(error)) from None
    for note in written.notes:
        print(f"Note: {note}")
    new = written.plan
    first = day_words(new.valid_from, full=True, year=True)
    print(f"Wrote plan version {new.version} (from {first}) to {written.path}:")
    for change in new.changes:
        print(f"  {change}")
    print("Send the file to the patient: in the app, Load a plan your physiotherapist sent, "
          "then Accept.")
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    """Write an iCalendar file of weekly exercise reminders."""
    from .share.reminders import ReminderError, write_reminders

    plan = _load_plan(args.plan)
    try:
        written = write_reminders(plan, args.days, args.time, args.out)
    except ReminderError as error:
        raise CommandError(str(error)) from None
    print(f"Wrote weekly reminders for {plan.name} to {written}; open it with your calendar.")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the patient's app page with Voila until Ctrl-C."""
    from .app.server import AppError, serve
    from .plan import PlanError, load_plan

    if args.plan is not None:
        try:  # told here too; the page shows it in a box, as for BACKRELIEF_PLAN
            load_plan(args.plan)
        except PlanError as error:
            print(f"backrelief app: {error}. The page says so too; the check-in and the "
                  "questionnaires still work.", file=sys.stderr)
    if args.data_dir is not None:
        _new_diary(args.data_dir, create=args.new)
    elif args.new:
        raise CommandError("--new starts a new diary in the folder --data-dir names; add "
                           "--data-dir")
    try:
        return serve(port=args.port, open_browser=not args.no_browser, data_dir=args.data_dir,
                     plan=args.plan)
    except AppError as error:
        raise CommandError(str(error)) from None


def _new_diary(directory: Path, *, create: bool) -> None:
    """Start a new diary (an owner-only folder) at ``directory`` only when asked with --new.

    Without --new a folder that does not exist is a question, never made in silence: a
    mistyped name would start an empty diary and split the patient's history in two.
    """
    from .log.store import DIR_MODE

    if directory.is_dir():
        return
    if directory.exists():
        raise CommandError(f"{directory} is a file, not a diary folder")
    if not create:
        print(f"backrelief app: No diary at {directory}. Start a new one there? The page "
              "asks (or start the app with --new).", file=sys.stderr)
        return
    directory.mkdir(mode=DIR_MODE, parents=True)
    print(f"backrelief app: started a new diary at {directory}.")


def _add_log_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that reads a log and a period shares."""
    parser.add_argument("--data-dir", type=Path, help="log folder (default: your log, else demo)")
    parser.add_argument("--plan", type=Path, help="plan file (default: your plan)")
    parser.add_argument("--from", dest="start", type=_iso_date, metavar="DATE",
                        help="first day, like 2026-09-01 (default: the log's first day)")
    parser.add_argument("--to", dest="end", type=_iso_date, metavar="DATE",
                        help="last day (default: the log's last day)")


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
    demo.add_argument("--start", type=_iso_date, metavar="DATE",
                      help="first day, like 2026-08-31 (the shipped demo's); default: the "
                           "Monday that makes the demo end last week, so no entry is dated "
                           "after today")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="validate a log",
                                description="Validate the log files and list every problem.")
    check.add_argument("--data-dir", type=Path, help="log folder (default: your log)")
    check.set_defaults(handler=cmd_check)

    report = commands.add_parser(
        "report", help="write the physiotherapist's report (PDF or HTML)",
        description="Write a one-to-two page progress report for the physiotherapist: PDF, or "
        "HTML when --out ends in .html.")
    _add_log_options(report)
    report.add_argument("--patient", metavar="NAME", help="patient name for the header")
    report.add_argument("--deidentify", action="store_true",
                        help="no name, no calendar dates (day N / week N), no notes")
    report.add_argument("--out", type=Path,
                        help="file to write, .pdf or .html (default: report.pdf in the "
                        "reports folder of the log folder)")
    report.set_defaults(handler=cmd_report)

    share = commands.add_parser(
        "share", help="write a share bundle (.zip) for the physiotherapist",
        description="Write one zip holding the log's CSV files, the plan, the PDF report and a "
        "manifest with a SHA-256 of each file. --deidentify writes a pseudonymous bundle: a "
        "random patient code, no notes, no PSFS activity names, neutral ids for exercises the "
        "plan does not name, every time in one UTC offset (its local wall clock kept) moved by "
        "one random whole number of weeks.")
    _add_log_options(share)
    share.add_argument("--patient", metavar="NAME", help="patient name for the report")
    share.add_argument("--deidentify", action="store_true",
                       help="random code, no notes or activity names, dates moved")
    share.add_argument("--out", type=Path, required=True, help="the .zip file to write")
    share.set_defaults(handler=cmd_share)

    caseload = commands.add_parser(
        "caseload", help="one row per patient from a folder of bundles and log folders",
        description="Read every bundle (.zip) and log folder in DIR and show one row per "
        "patient, those who most need a look first. A patient that cannot be read gets a row "
        "saying why; the others load.")
    caseload.add_argument("directory", type=Path, metavar="DIR", help="the caseload folder")
    caseload.add_argument("--plan", type=Path,
                          help="plan for log folders without their own plan.toml")
    caseload.add_argument("--out", type=Path, help="write the table to a .csv or .html file")
    caseload.add_argument("--as-of", dest="as_of", type=_iso_date, metavar="DATE",
                          help="the day the numbers run to, like 2026-11-24 (default: today); "
                               "the last four weeks and open flags count back from it")
    caseload.add_argument("--no-cache", action="store_true",
                          help="neither read nor write the cache file in DIR")
    caseload.set_defaults(handler=cmd_caseload)

    export = commands.add_parser(
        "export", help="write a spreadsheet-safe CSV of sessions, check-ins, questionnaires and "
        "barriers",
        description="Write one row per session (with why blocks stopped, how each exercise felt "
        "and which hurt), check-in, questionnaire and barrier to a CSV file that is safe to "
        "open in a spreadsheet. The log itself is only read.")
    _add_log_options(export)
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    export.add_argument("--deidentify", action="store_true",
                        help="a patient code instead of dates and notes: days as 'day N', only "
                        "numbers, the plan's exercise names and the signals' categories")
    export.add_argument("--code", metavar="CODE",
                        help=f"patient code for --deidentify (letters, digits, - and _; "
                        f"default {DEFAULT_CODE})")
    export.set_defaults(handler=cmd_export)

    app = commands.add_parser(
        "app", help="open the kit as one page in your browser: session, check-in, progress",
        description="Serve the guided session, the rest-day check-in, your progress, the report "
        "and reminders as one page, on this computer only (127.0.0.1). The address it prints "
        "and opens holds a secret token, new each time, without which nothing is served: "
        "other users of this computer cannot read your data. Ctrl-C stops it.")
    app.add_argument("--port", type=int, help="port to serve on (default: a free one)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.add_argument("--data-dir", type=Path, help="log folder (default: your log)")
    app.add_argument("--plan", type=Path, help="plan file (default: your plan)")
    app.add_argument("--new", action="store_true",
                     help="start a new diary in --data-dir when that folder does not exist "
                          "(without it, the page asks first)")
    app.set_defaults(handler=cmd_app)

    plan = commands.add_parser(
        "plan", help="progression: suggest each exercise's next step, or write the next plan",
        description="For the physiotherapist: 'plan suggest' applies the pain-monitoring rules "
        "to the last weeks of a log (or bundle) and says, per exercise, ready to progress, hold "
        "the load or consider stepping back, with the reasons; 'plan next' writes the next "
        "plan with the steps you approve. Suggestions are prompts, never applied by themselves.")
    steps = plan.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    suggest = steps.add_parser("suggest", help="print each exercise's suggestion",
                               description="Print each exercise's progression suggestion.")
    following = steps.add_parser(
        "next", help="write the next plan with the steps you approve",
        description="Write the next version of the plan in force: the same exercises and "
        "settings, each accepted exercise one step up (--accept) or back (--down) as its "
        "[exercise.progression] table says, the version one higher, valid from --valid-from "
        "(default: next Monday) and a list of the changes.")
    for step_parser in (suggest, following):
        step_parser.add_argument("--data-dir", type=Path,
                                 help="log folder (default: your log, else demo)")
        step_parser.add_argument("--bundle", type=Path, help="a share bundle (.zip) instead")
        step_parser.add_argument("--plan", type=Path,
                                 help="plan file when the folder has accepted none")
        step_parser.add_argument("--as-of", dest="as_of", type=_iso_date, metavar="DATE",
                                 help="the analysis day (default: the log's last day)")
    suggest.set_defaults(handler=cmd_plan_suggest)
    following.add_argument("--accept", metavar="IDS",
                           help="exercise ids to step up, like knee_to_chest,bridge")
    following.add_argument("--down", metavar="IDS", help="exercise ids to step back")
    following.add_argument("--valid-from", dest="valid_from", type=_iso_date, metavar="DATE",
                           help="first day of the new plan (default: next Monday)")
    following.add_argument("--out", type=Path, required=True, help="the .toml file to write")
    following.set_defaults(handler=cmd_plan_next)

    reminders = commands.add_parser(
        "reminders", help="write an iCalendar file of weekly exercise reminders",
        description="Write a calendar file (.ics) with a weekly repeating reminder on the chosen "
        "days at the chosen local time. It names the plan and holds no health data.")
    reminders.add_argument("--out", type=Path, required=True, help="file to write, ending .ics")
    reminders.add_argument("--days", required=True, help="weekdays, like mon,wed,fri")
    reminders.add_argument("--time", required=True, help="24-hour local time, like 18:30")
    reminders.add_argument("--plan", type=Path, help="plan file (default: your plan)")
    reminders.set_defaults(handler=cmd_reminders)
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _check_options(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Stop at an option the command does not know, suggesting the closest one it does.

    Python 3.14's argparse has ``suggest_on_error``; 3.11 has not, so difflib does it here,
    before argparse's own "unrecognized arguments" (which names no alternative).
    """
    commands = _subcommands(parser)
    command = next((token for token in argv if not token.startswith("-")), None)
    if command is not None and command not in commands:
        close = difflib.get_close_matches(command, list(commands), n=1, cutoff=0.6)
        hint = (f"; did you mean {close[0]}?" if close
                else f"; the commands are {', '.join(commands)}")
        parser.error(f"there is no command {command}{hint}")
    if command not in commands:
        return
    sub = commands[command]
    rest = argv[list(argv).index(command) + 1:]
    actions = _subcommands(sub)
    if actions:  # a command of actions (plan suggest, plan next): check the action's options
        action = next((token for token in rest if not token.startswith("-")), None)
        if action not in actions:
            close = difflib.get_close_matches(action or "", list(actions), n=1, cutoff=0.6)
            hint = (f"; did you mean {close[0]}?" if close
                    else f"; the actions are {', '.join(actions)}")
            sub.error(f"there is no action {action}{hint}" if action
                      else f"name an action: {', '.join(actions)}")
        sub, rest = actions[action], rest[rest.index(action) + 1:]
    known = [option for action in sub._actions for option in action.option_strings]
    for token in rest:
        if token == "--":
            return
        if not token.startswith("--"):
            continue
        option = token.split("=", 1)[0]
        # argparse accepts a unique prefix of an option (--dat for --data-dir)
        if option in known or len([k for k in known if k.startswith(option)]) == 1:
            continue
        close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f"; the options are {', '.join(known)}"
        sub.error(f"there is no option {option}{hint}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    _check_options(parser, argv)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"backrelief {args.command}: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        from .errors import in_words

        print(f"backrelief {args.command}: {in_words(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
