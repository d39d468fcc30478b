"""How text is made safe to show: :func:`backrelief_analysis.text.clean_text`."""

from __future__ import annotations

from backrelief_analysis.text import BIDI_CONTROLS, clean_text


def test_escape_codes_and_c1_controls_are_dropped():
    # ESC [2J clears a terminal; CSI (U+009B) is the one-character form of ESC [
    assert clean_text("Ann\x1b[2J\x9b31mB\x07") == "Ann[2J31mB"


def test_every_bidi_control_is_dropped():
    assert clean_text("a" + "".join(sorted(BIDI_CONTROLS)) + "b") == "ab"


def test_line_breaks_become_one_space_each():
    assert clean_text("one\ntwo\r\u2028three\tfour") == "one two  three four"


def test_names_in_any_script_are_kept():
    for name in ("Zoë Ødegård", "محمد", "李小龙", "Nil\u200cufar"):  # ZWNJ: a Persian joiner
        assert clean_text(name) == name
