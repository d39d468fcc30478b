"""The shared pieces of wording."""

from backrelief_analysis.words import plural


def test_plural_is_singular_only_for_exactly_one():
    assert [plural(n, "rep") for n in (0, 1, 2)] == ["0 reps", "1 rep", "2 reps"]
    assert plural(1, "second") == "1 second"
    assert plural(0.5, "second") == "0.5 seconds"  # a half is not one
    assert plural(1.0, "session") == "1 session"
