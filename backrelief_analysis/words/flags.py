"""Each kind of flag in a few words, for a table cell or a count: one place the caseload's
cells and the report's key number take them from (the titles, in full, are
:data:`~backrelief_analysis.analysis.flags.FLAG_TITLES`)."""

from __future__ import annotations

import pandas as pd

from ..analysis.flags import FLAG_TITLES, FlagKind

FLAG_WORDS = {FlagKind.PAIN_AFTER: "high pain after",
              FlagKind.NOT_SETTLED: "not settled next day",
              FlagKind.RISING: "weekly pain rising", FlagKind.FLARE: "flare-up",
              FlagKind.EXERCISE_PAIN: "exercise hurt often"}


def flag_counts_text(flag_table: pd.DataFrame) -> str:
    """How many flags of each kind, in the order of :data:`FLAG_TITLES`:
    ``20: 12 × high pain after, 4 × not settled next day``; ``none`` without a flag."""
    if flag_table.empty:
        return "none"
    counts = flag_table["kind"].value_counts()
    listed = ", ".join(f"{counts[kind]} × {FLAG_WORDS[kind]}"
                       for kind in FLAG_TITLES if kind in counts.index)
    return f"{len(flag_table)}: {listed}"


__all__ = ["FLAG_WORDS", "flag_counts_text"]
