"""The schema is the one declaration of the log: the data dictionary must say the same."""

from __future__ import annotations

import re

import pytest

from backrelief_analysis import paths
from backrelief_analysis.log.schema import TABLES, Column, Table

DICTIONARY = paths.PROJECT_DIR / "data" / "README.md"


def _documented(table: Table) -> list[tuple[str, str]]:
    """(column, type) of each row of the table under the file's heading in data/README.md."""
    text = DICTIONARY.read_text(encoding="utf-8")
    section = text.split(f"## `{table.file_name}`", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [tuple(cell.strip() for cell in row.split("|")[1:3]) for row in rows]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.file_name)
def test_data_dictionary_lists_each_column_in_order_with_its_type(table: Table) -> None:
    assert _documented(table) == [(f"`{c.name}`", c.describe()) for c in table.columns]


def test_every_log_file_has_a_section_in_the_dictionary() -> None:
    headings = re.findall(r"^## `([a-z_]+\.csv)`", DICTIONARY.read_text(encoding="utf-8"), re.M)
    assert headings == [table.file_name for table in TABLES]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (Column("n", "whole", low=0, high=10), 3, None),
        (Column("n", "whole", low=0, high=10), 11, "must be a whole number from 0 to 10"),
        (Column("n", "whole", low=0, high=10), True, "must be a whole number from 0 to 10"),
        (Column("s", "seconds", required=False, low=0, high=60), "", None),
        (Column("s", "seconds", low=0, high=60), float("inf"), "must be a number of seconds"),
        (Column("c", choices=("", "a")), "b", "must be one of empty, 'a'"),
        (Column("t", "timestamp"), "2026-06-01T08:00:00", "with its UTC offset"),
        (Column("t", "timestamp"), "2026-06-01T08:00:00+15:00", "beyond ±14:00"),
        (Column("t", "timestamp"), "2101-01-01T08:00:00+00:00", "from 2000 to 2100"),
        (Column("x"), "", "must not be empty"),
    ],
)
def test_a_column_judges_one_value_as_the_loader_does(
    column: Column, value: object, problem: str | None
) -> None:
    found = column.problem(value)
    assert found == problem if problem is None else problem in (found or "")


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.file_name)
def test_every_text_column_says_how_it_is_de_identified(table: Table) -> None:
    # a text column without a mark would go into a de-identified bundle as the patient typed it
    undeclared = [column.name for column in table.columns if not column.declared_private]
    assert undeclared == []


def test_an_unmarked_text_column_is_caught() -> None:
    assert not Column("comment").declared_private
    assert Column("comment", free_text=True).declared_private
    assert Column("at", "timestamp").declared_private
