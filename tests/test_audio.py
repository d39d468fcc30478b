"""Cue tones: one distinct, short shape per engine cue, as plain data for the browser."""

from __future__ import annotations

import json

from backrelief_analysis.session.audio import CUE_NAMES, SHAPES, tone_spec
from backrelief_analysis.session.engine import CUES


def test_every_engine_cue_has_a_tone():
    assert set(CUES) == set(CUE_NAMES)


def test_tones_are_short_audible_and_told_apart():
    for name, notes in SHAPES.items():
        seconds = sum(length for _, length in notes)
        assert 0.05 <= seconds <= 2.0, name
        assert all(200 <= frequency <= 2000 for frequency, _ in notes), name
    assert len({notes for notes in SHAPES.values()}) == len(SHAPES)


def test_the_spec_survives_json_as_the_widget_sends_it():
    spec = json.loads(json.dumps(tone_spec()))
    assert spec["shapes"]["hold_start"] == [[523.25, 0.16], [783.99, 0.26]]
    assert set(spec["shapes"]) == set(CUES)
