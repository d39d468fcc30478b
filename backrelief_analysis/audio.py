"""Cue sounds, made in code: short sine tones packed as WAV bytes (no sound files shipped).

Each cue has its own shape so it can be told apart with eyes closed:

``hold_start``  two notes going up: hold now.
``release``     two notes going down: let go.
``tick``        one short high blip: each of the last three seconds of a hold.
``next``        three rising notes: switch to the other side, or the next exercise is coming.
``session_end`` a slow four-note chord, fading: the session is over.
"""

from __future__ import annotations

import io
import wave
from functools import cache

import numpy as np

RATE = 22_050
# (frequency in Hz, seconds) per note; notes follow each other
_SHAPES: dict[str, tuple[tuple[float, float], ...]] = {
    "hold_start": ((523.25, 0.16), (783.99, 0.26)),
    "release": ((783.99, 0.16), (523.25, 0.26)),
    "tick": ((1046.5, 0.07),),
    "next": ((587.33, 0.13), (739.99, 0.13), (880.0, 0.22)),
    "session_end": ((523.25, 0.3), (659.25, 0.3), (783.99, 0.3), (1046.5, 0.7)),
}
CUE_NAMES = tuple(_SHAPES)
_VOLUME = 0.5
_FADE_S = 0.01


def tone(frequency: float, seconds: float, *, rate: int = RATE) -> np.ndarray:
    """One sine note, faded in and out so it does not click; floats in [-1, 1]."""
    count = max(1, round(seconds * rate))
    t = np.arange(count) / rate
    note = np.sin(2 * np.pi * frequency * t)
    fade = min(count // 2, round(_FADE_S * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        note[:fade] *= ramp
        note[-fade:] *= ramp[::-1]
    return note


def to_wav(samples: np.ndarray, *, rate: int = RATE) -> bytes:
    """Pack floats in [-1, 1] as a mono 16-bit WAV file."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm.tobytes())
    return buffer.getvalue()


@cache
def cue_wav(name: str, *, variant: int = 0) -> bytes:
    """The WAV bytes of a cue.

    Parameters
    ----------
    name
        One of :data:`CUE_NAMES`.
    variant
        0 or 1. Variant 1 ends with one more sample of silence: the same sound as other
        bytes, because an ``ipywidgets.Audio`` given the bytes it already has does not play
        them again.

    Returns
    -------
    bytes
        A complete WAV file.
    """
    if name not in _SHAPES:
        raise ValueError(f"no cue called {name!r}; the cues are {', '.join(CUE_NAMES)}")
    notes = [tone(frequency, seconds) for frequency, seconds in _SHAPES[name]]
    sound = np.concatenate(notes)
    if name == "session_end":
        sound *= np.linspace(1.0, 0.3, sound.size)  # a gentle fade: the end, not an alarm
    sound = np.concatenate([sound * _VOLUME, np.zeros(variant)])
    return to_wav(sound)
