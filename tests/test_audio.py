"""Cue sounds: valid WAV files, distinct, short, and a replayable second variant."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from backrelief_analysis.audio import CUE_NAMES, RATE, cue_wav
from backrelief_analysis.engine import CUES


def read(data: bytes) -> tuple:
    with wave.open(io.BytesIO(data), "rb") as file:
        params = file.getparams()
        frames = np.frombuffer(file.readframes(params.nframes), dtype="<i2")
    return params, frames


def test_every_engine_cue_has_a_sound():
    assert set(CUES) == set(CUE_NAMES)


@pytest.mark.parametrize("name", CUE_NAMES)
def test_cue_is_a_short_audible_mono_wav(name):
    params, frames = read(cue_wav(name))
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
    seconds = params.nframes / RATE
    assert 0.05 <= seconds <= 2.5
    # loud enough to hear across a room, never clipped
    assert 8000 < np.abs(frames).max() < 32767


def test_cues_sound_different():
    sounds = {name: read(cue_wav(name))[1] for name in CUE_NAMES}
    assert len({frames.tobytes() for frames in sounds.values()}) == len(CUE_NAMES)
    # hold and release use the same notes in opposite order: their first halves differ
    hold, release = sounds["hold_start"], sounds["release"]
    assert not np.array_equal(hold[:1000], release[:1000])


def test_tick_is_shorter_than_hold_start():
    assert read(cue_wav("tick"))[0].nframes < read(cue_wav("hold_start"))[0].nframes / 2


@pytest.mark.parametrize("name", CUE_NAMES)
def test_variant_has_other_bytes_but_the_same_sound(name):
    first, second = cue_wav(name, variant=0), cue_wav(name, variant=1)
    assert first != second
    frames_first, frames_second = read(first)[1], read(second)[1]
    assert np.array_equal(frames_second[: frames_first.size], frames_first)
    assert not frames_second[frames_first.size :].any()


def test_fades_in_without_a_click():
    frames = read(cue_wav("hold_start"))[1]
    assert abs(int(frames[0])) < 200


def test_unknown_cue_is_refused_with_the_names():
    with pytest.raises(ValueError, match="hold_start"):
        cue_wav("beep")
