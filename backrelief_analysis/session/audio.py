"""Cue tones, described as notes: the widget's browser side builds each sound once from these.

No sound files are shipped and no sound travels from the kernel per cue: the browser turns each
shape into an ``AudioBuffer`` when Start is pressed and plays it the moment the cue arrives.
Each cue has its own shape so it can be told apart with eyes closed:

``get_ready``   two low notes: the session begins, lie down.
``prepare``     one long middle note: "get ready", the count to the next hold follows.
``hold_start``  two notes going up: hold now.
``release``     two notes going down: let go.
``tick``        one short high blip: each of the last three seconds of a hold or before one.
``next``        three rising notes: switch to the other side, or the next exercise is coming.
``session_end`` a slow four-note run, fading: the session is over.
"""

from __future__ import annotations

# (frequency in Hz, seconds) per note; notes follow each other
SHAPES: dict[str, tuple[tuple[float, float], ...]] = {
    "get_ready": ((392.0, 0.18), (392.0, 0.3)),
    "prepare": ((440.0, 0.3),),
    "hold_start": ((523.25, 0.16), (783.99, 0.26)),
    "release": ((783.99, 0.16), (523.25, 0.26)),
    "tick": ((1046.5, 0.07),),
    "next": ((587.33, 0.13), (739.99, 0.13), (880.0, 0.22)),
    "session_end": ((523.25, 0.3), (659.25, 0.3), (783.99, 0.3), (1046.5, 0.7)),
}
CUE_NAMES = tuple(SHAPES)
VOLUME = 0.5
FADE_S = 0.01  # each note fades in and out so it does not click


def tone_spec() -> dict[str, object]:
    """The shapes as plain data for the browser: ``{"volume", "fade_s", "shapes"}``."""
    return {
        "volume": VOLUME,
        "fade_s": FADE_S,
        "fade_out": ["session_end"],  # a gentle fade: the end, not an alarm
        "shapes": {name: [list(note) for note in notes] for name, notes in SHAPES.items()},
    }


__all__ = ["CUE_NAMES", "SHAPES", "tone_spec"]
