"""The questionnaire's logic and its widget, driven without a browser, on real log files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from analysis_fixtures import plan_of
from outcome_fixtures import OCCASIONS, write_outcomes

from backrelief_analysis.log.store import LogStore, load_log
from backrelief_analysis.session import questionnaire as q
from backrelief_analysis.session.questionnaire_widget import QuestionnaireWidget

MOMENT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_each_measure_answered_is_its_own_set_with_its_items():
    sets = q.occasion_sets(MOMENT, peg={"pain": 6, "enjoyment": 5, "activity": 4},
                           psfs=[("gardening", 3), ("", None), ("  sitting   at work ", 7)],
                           odi=30)
    assert [[(e.measure, e.item, e.score) for e in entries] for entries in sets] == [
        [("peg", "pain", 6), ("peg", "enjoyment", 5), ("peg", "activity", 4)],
        [("psfs", "gardening", 3), ("psfs", "sitting at work", 7)],
        [("odi", "total", 30)],
    ]
    assert all(len({e.set_id for e in entries}) == 1 for entries in sets)
    assert len({entries[0].set_id for entries in sets}) == 3


@pytest.mark.parametrize(("answers", "message"), [
    ({"peg": {"pain": 6, "enjoyment": None, "activity": 4}}, "missing: enjoyment"),
    ({"psfs": [("gardening", None)]}, "Rate the activity 'gardening'"),
    ({"psfs": [("", 4)]}, "Name the activity you rated 4"),
    ({"psfs": [("gardening", 4), ("Gardening", 5)]}, "named twice"),
    ({"psfs": [(f"activity {n}", 5) for n in range(6)]}, "at most 5 activities"),
    ({"odi": 101}, "ODI total must be a whole number from 0 to 100"),
    ({}, "Nothing to save yet"),
])
def test_an_incomplete_or_impossible_form_is_refused_in_one_sentence(answers, message):
    with pytest.raises(ValueError, match=message):
        q.occasion_sets(MOMENT, **answers)


def test_typed_totals_are_optional_and_checked():
    assert q.parse_total("  ", "rmdq") is None
    assert q.parse_total("12", "rmdq") == 12
    with pytest.raises(ValueError, match="RMDQ total must be a whole number from 0 to 24"):
        q.parse_total("25", "rmdq")
    with pytest.raises(ValueError, match=r"not '7\.5'"):
        q.parse_total("7.5", "odi")


def test_due_before_the_first_and_every_14_days_after_the_last(tmp_path):
    plan = plan_of()
    assert q.questionnaire_due(load_log(tmp_path), plan, today=date(2026, 9, 1))
    log = load_log(write_outcomes(tmp_path, OCCASIONS))  # last on 2026-11-16
    assert not q.questionnaire_due(log, plan, today=date(2026, 11, 29))
    assert q.questionnaire_due(log, plan, today=date(2026, 11, 30))
    weekly = replace(plan, thresholds=replace(plan.thresholds, questionnaire_every_days=7))
    assert q.questionnaire_due(log, weekly, today=date(2026, 11, 23))
    assert "next due on 2026-11-30" in q.due_text(log, plan)


def test_the_latest_activities_are_offered_again(tmp_path):
    log = load_log(write_outcomes(tmp_path, OCCASIONS))
    assert q.known_activities(log.outcomes) == ["lifting my son", "gardening", "sitting at work"]
    assert q.known_activities(log.outcomes.iloc[:0]) == []


def _class(widget, css_class: str):
    """The descendant of ``widget`` carrying ``css_class``."""
    stack = [widget]
    while stack:
        node = stack.pop()
        if css_class in getattr(node, "_dom_classes", ()):
            return node
        stack.extend(getattr(node, "children", ()))
    raise LookupError(css_class)


def test_widget_saves_each_measure_and_offers_the_activities_next_time(tmp_path):
    store = LogStore(tmp_path)
    form = QuestionnaireWidget(plan_of(), store)
    assert "Not done yet" in _class(form, "br-q-status").value
    for item, score in (("pain", 6), ("enjoyment", 5), ("activity", 7)):
        _class(form, f"br-q-peg-{item}").value = score
    _class(form, "br-q-psfs-name-1").value = "lifting my son"
    _class(form, "br-q-psfs-score-1").value = 2
    _class(form, "br-q-psfs-name-2").value = "driving"
    _class(form, "br-q-psfs-score-2").value = 6
    _class(form, "br-q-rmdq").value = "11"
    _class(form, "br-q-save").click()

    assert "Saved" in _class(form, "br-q-message").value
    outcomes = load_log(tmp_path).outcomes
    assert outcomes.groupby("measure")["set_id"].nunique().to_dict() == {
        "peg": 1, "psfs": 1, "rmdq": 1}
    assert sorted(zip(outcomes["item"], outcomes["score"], strict=True)) == [
        ("activity", 7), ("driving", 6), ("enjoyment", 5), ("lifting my son", 2), ("pain", 6),
        ("total", 11)]
    again = QuestionnaireWidget(plan_of(), store)
    assert _class(again, "br-q-psfs-name-1").value == "lifting my son"
    assert _class(again, "br-q-psfs-name-2").value == "driving"
    assert _class(again, "br-q-psfs-score-1").value is None  # names offered, never the ratings
    assert "next due on" in _class(again, "br-q-status").value


def test_widget_refuses_a_part_answered_peg_and_writes_nothing(tmp_path):
    form = QuestionnaireWidget(plan_of(), LogStore(tmp_path))
    _class(form, "br-q-peg-pain").value = 4
    _class(form, "br-q-odi").value = "22"
    _class(form, "br-q-save").click()
    assert "Answer all three PEG questions" in _class(form, "br-q-message").value
    assert load_log(tmp_path).outcomes.empty
    assert _class(form, "br-q-odi").value == "22"  # the answers stay to be corrected


def test_widget_asks_for_odi_and_rmdq_totals_only_never_their_questions(tmp_path):
    form = QuestionnaireWidget(plan_of(), LogStore(tmp_path))
    stack, texts = [form], []
    while stack:
        node = stack.pop()
        texts.append(str(getattr(node, "value", "") or ""))
        texts.append(str(getattr(node, "placeholder", "") or ""))
        stack.extend(getattr(node, "children", ()))
    shown = " ".join(texts)
    assert "ODI) total, 0-100, from your clinic" in shown
    assert "RMDQ) total, 0-24, from your clinic" in shown
    # words of the copyrighted forms' sections and statements never appear
    for words in ("Personal care", "Lifting", "Sleeping", "Sex life", "Social life",
                  "I stay at home", "because of my back"):
        assert words not in shown


def test_widget_says_what_was_saved_when_a_later_set_cannot_be_written(tmp_path):
    store = LogStore(tmp_path)
    form = QuestionnaireWidget(plan_of(), store)
    for item in ("pain", "enjoyment", "activity"):
        _class(form, f"br-q-peg-{item}").value = 5
    _class(form, "br-q-rmdq").value = "9"
    real = store.extend_outcomes

    def fail_on_rmdq(entries):
        entries = list(entries)
        if entries[0].measure == "rmdq":
            raise OSError("disk full")
        real(entries)

    store.extend_outcomes = fail_on_rmdq
    _class(form, "br-q-save").click()
    message = _class(form, "br-q-message").value
    assert "PEG saved; could not save the RMDQ" in message and "disk full" in message
    assert load_log(tmp_path).outcomes["measure"].unique().tolist() == ["peg"]
