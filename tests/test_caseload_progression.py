"""The physiotherapist's round trip for one patient (caseload/progression.py): open a folder or
a bundle with the plan in force, write the next plan, refuse what cannot be written."""

from __future__ import annotations

from datetime import date

import pytest
from test_progression import AS_OF, PLAN, write_log

from backrelief_analysis.caseload.progression import (
    PatientError,
    open_patient,
    write_next_plan,
)
from backrelief_analysis.log.plans import save_accepted
from backrelief_analysis.plan import load_plan, next_plan
from backrelief_analysis.share.bundle import write_bundle
from backrelief_analysis.text import day_words


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(PLAN, encoding="utf-8")
    return load_plan(path)


def test_a_folder_opens_with_the_plan_it_accepted_last(tmp_path, plan):
    write_log(tmp_path / "log")
    log, in_force = open_patient(tmp_path / "log", plan, day=AS_OF)
    assert in_force == plan and len(log.exercise) == 24  # no plan kept yet: the fallback
    # the patient accepted version 2 from Monday 16 November: it is the plan in force by the 22nd
    save_accepted(tmp_path / "log", next_plan(plan, ["tilt"], valid_from=date(2026, 11, 16)),
                  date(2026, 11, 14))
    _, in_force = open_patient(tmp_path / "log", plan, day=AS_OF)
    assert (in_force.version, in_force.exercise("tilt").reps) == (2, 12)


def test_a_folder_with_its_own_plan_opens_with_it_as_the_caseload_reads_it(tmp_path, plan):
    write_log(tmp_path / "log")
    (tmp_path / "log" / "plan.toml").write_text(PLAN.replace("Progression test", "Own plan"),
                                                encoding="utf-8")
    _, in_force = open_patient(tmp_path / "log", load_plan(), day=AS_OF)
    assert in_force.name == "Own plan"  # the kit's default is only for a folder without one


def test_a_bundle_opens_with_its_own_plan_and_a_broken_one_is_one_sentence(tmp_path, plan):
    write_log(tmp_path / "log")
    bundle = write_bundle(tmp_path / "log", plan, tmp_path / "share.zip")
    log, own = open_patient(bundle, load_plan())  # the default plan is only the fallback
    assert own.name == "Progression test" and len(log.exercise) == 24
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(PatientError, match=r"^bad\.zip: "):
        open_patient(tmp_path / "bad.zip", plan)


def test_the_next_plan_starts_the_monday_after_the_analysis_day(tmp_path, plan):
    log = write_log(tmp_path / "log")
    written = write_next_plan(log, plan, tmp_path / "next.toml", accept=["tilt"],
                              as_of="2026-11-18")  # a Wednesday: the next Monday is the 23rd
    assert written.plan.valid_from == date(2026, 11, 23)
    assert day_words(written.plan.valid_from, full=True, year=True) == "Monday 23 November 2026"
    assert load_plan(written.path).exercise("tilt").reps == 12
    assert written.path.stat().st_mode & 0o777 == 0o600
    # over the two weeks to the 22nd every exercise is clean: stepping up what the rule finds
    # ready gives no note; stepping back the tilt, which the rule finds ready, gives one
    both = write_next_plan(log, plan, tmp_path / "both.toml", accept=["tilt", "bridge"],
                           as_of=AS_OF)
    assert both.notes == ()
    back = write_next_plan(log, plan, tmp_path / "back.toml", down=["tilt"], as_of=AS_OF)
    assert back.notes == ("The rule suggested otherwise. Pelvic tilt: ready to progress, 12 "
                          "reps (was 10): 2 weeks at adherence 100 %, done at its prescribed "
                          "reps, no pain flags, not stopped for pain or marked as hurting",)


@pytest.mark.parametrize(("out", "accept", "words"), [
    ("next.txt", ["tilt"], "must end in .toml"),
    ("next.toml", [], "name the exercises whose step you approve"),
    ("next.toml", ["top"], "ceiling"),
])
def test_what_cannot_be_written_is_one_sentence_and_nothing_is_written(tmp_path, plan, out,
                                                                        accept, words):
    log = write_log(tmp_path / "log")
    with pytest.raises(PatientError, match=words):
        write_next_plan(log, plan, tmp_path / out, accept=accept, as_of=AS_OF)
    assert not (tmp_path / out).exists()


def test_the_plan_in_force_is_never_overwritten(tmp_path, plan):
    log = write_log(tmp_path / "log")
    with pytest.raises(PatientError, match="is the plan in force"):
        write_next_plan(log, plan, plan.source, accept=["tilt"], as_of=AS_OF)
    assert load_plan(plan.source).version == 1
