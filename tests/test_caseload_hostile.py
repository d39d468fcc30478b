"""Hostile bundles and folders: each costs only its own row, in one plain sentence."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from analysis_fixtures import full, plan_of, score, write_log

from backrelief_analysis.caseload.cache import CACHE_NAME
from backrelief_analysis.caseload.table import load_caseload
from backrelief_analysis.share import bundle
from backrelief_analysis.share.bundle import (
    MAX_REPORT_BYTES,
    PLAN_NAME,
    pack_bundle,
    plan_toml,
    write_bundle,
)

START = date(2026, 3, 2)  # a Monday
AS_OF = date(2026, 3, 15)  # the last day of the two-week patients below
DEEP = 200_000  # the nesting the issue measured: deeper than any parser's stack


def _patient(folder: Path) -> None:
    """Two weeks of a hand-made log: a session each Monday, Wednesday and Friday, pain 4."""
    exercise, pain = [], []
    for offset in range(14):
        day = START + timedelta(days=offset)
        stamp = f"{day.isoformat()}T08:00:00+01:00"
        if day.weekday() in (0, 2, 4):
            exercise += full(f"s{offset}", stamp)
        pain.append(score(stamp, 4))
    write_log(folder, exercise, pain)
    (folder / PLAN_NAME).write_text(plan_toml(plan_of()), encoding="utf-8")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> bytes:
    """One readable bundle's bytes (a report is rendered once for the whole module)."""
    work = tmp_path_factory.mktemp("good")
    _patient(work / "log")
    return write_bundle(work / "log", plan_of(), work / "good.zip", patient="Gil").read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _repacked(data: bytes, *, patient: str = "Gil", code: str | None = None,
              **changed: bytes) -> bytes:
    """The bundle again, with some files changed and a manifest whose hashes match them."""
    members = _members(data)
    manifest = json.loads(members.pop("manifest.json"))
    files = {**members, **{name.replace("_", "."): value for name, value in changed.items()}}
    return pack_bundle(files, patient=patient, code=code, period=manifest["period"],
                       deidentified=False).data


def _with_manifest(data: bytes, manifest: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in _members(data).items():
            archive.writestr(name, manifest if name == "manifest.json" else content)
    return buffer.getvalue()


def _caseload(root: Path, **options):
    return load_caseload(root, as_of=AS_OF, **options).table.set_index("source")


def _one_sentence_each(table) -> None:
    assert table.loc["good.zip", "problem"] == ""
    assert table.loc["good.zip", "patient"] == "Gil"
    for sentence in table["problem"]:
        assert "\n" not in sentence and "Traceback" not in sentence


@pytest.fixture
def root(good, tmp_path) -> Path:
    """A caseload folder holding one good bundle beside whatever a test adds."""
    folder = tmp_path / "caseload"
    folder.mkdir()
    (folder / "good.zip").write_bytes(good)
    return folder


def test_a_damaged_compressed_stream_costs_only_its_row(good, root):
    damaged = bytearray(good)
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        info = archive.getinfo("pain_log.csv")
    header = info.header_offset
    name_length = int.from_bytes(damaged[header + 26:header + 28], "little")
    extra_length = int.from_bytes(damaged[header + 28:header + 30], "little")
    # a deflate block of type 3, which does not exist: zlib.error, not a bad checksum
    damaged[header + 30 + name_length + extra_length] = 0xFF
    (root / "damaged.zip").write_bytes(bytes(damaged))
    table = _caseload(root, use_cache=False)
    assert table.loc["damaged.zip", "problem"] == (
        "damaged.zip: pain_log.csv is damaged inside the zip")
    _one_sentence_each(table)


def test_a_manifest_or_plan_nested_too_deep_costs_only_its_row(good, root):
    (root / "deepjson.zip").write_bytes(_with_manifest(good, b"[" * DEEP + b"]" * DEEP))
    deep_toml = b"deep = " + b"[" * DEEP + b"]" * DEEP + b"\n"
    (root / "deeptoml.zip").write_bytes(_repacked(good, plan_toml=deep_toml))
    table = _caseload(root, use_cache=False)
    assert "manifest.json is nested too deeply" in table.loc["deepjson.zip", "problem"]
    assert "plan.toml is nested too deeply" in table.loc["deeptoml.zip", "problem"]
    _one_sentence_each(table)


def test_a_report_too_large_or_not_a_pdf_is_refused(good, root):
    # zeros compress to almost nothing: a small bundle that would unpack to a large report
    huge = b"%PDF-1.4\n" + bytes(MAX_REPORT_BYTES)
    (root / "bomb.zip").write_bytes(_repacked(good, report_pdf=huge))
    (root / "notpdf.zip").write_bytes(_repacked(good, report_pdf=b"<html>not a pdf</html>"))
    table = _caseload(root, use_cache=False)
    assert table.loc["bomb.zip", "problem"] == (
        "bomb.zip: report.pdf unpacks to more than 8 MB, more than the kit ever writes, so it "
        "was not read")
    assert "report.pdf is not a PDF file" in table.loc["notpdf.zip", "problem"]
    _one_sentence_each(table)


def test_a_zip_name_that_is_a_link_is_not_followed(good, root, tmp_path):
    (tmp_path / "elsewhere.zip").write_bytes(good)
    (root / "link.zip").symlink_to(tmp_path / "elsewhere.zip")
    table = _caseload(root)
    assert table.loc["link.zip", "problem"] == "link.zip is a link, and links are not followed"
    _one_sentence_each(table)


def test_a_link_to_a_device_is_never_read(root):
    (root / "zero.zip").symlink_to("/dev/zero")  # today it is read until memory runs out
    table = _caseload(root)
    assert table.loc["zero.zip", "problem"] == "zero.zip is a link, and links are not followed"
    _one_sentence_each(table)


def test_a_fifo_named_like_a_bundle_is_not_read(root):
    os.mkfifo(root / "x.zip")  # opening it to read would wait for a writer for ever
    table = _caseload(root)
    assert table.loc["x.zip", "problem"] == (
        "x.zip is not a regular file (a device, a pipe or a socket), so it was not read")
    _one_sentence_each(table)


def test_a_linked_log_file_in_a_patient_folder_is_not_followed(root, tmp_path):
    _patient(root / "eve")
    secret = tmp_path / "secret.csv"
    secret.write_text("SECRET first line of someone else's file\n", encoding="utf-8")
    (root / "eve" / "exercise_log.csv").unlink()
    (root / "eve" / "exercise_log.csv").symlink_to(secret)
    table = _caseload(root)
    assert table.loc["eve", "problem"] == (
        "in the folder eve, exercise_log.csv is a link to another file, and links are not "
        "followed")
    assert not table.astype(str).apply(lambda column: column.str.contains("SECRET")).any().any()
    _one_sentence_each(table)


def test_names_and_sentences_lose_escape_codes_and_bidi_overrides(good, root):
    (root / "escape.zip").write_bytes(_repacked(good, patient="Ann\x1b[2J\u202eevil\u2066"))
    (root / "\x1b[31mred").mkdir()  # a folder with no log, and a name that colours the screen
    numbered = json.loads(_members(good)["manifest.json"])
    numbered["patient"] = ["not", "text"]
    (root / "list.zip").write_bytes(_with_manifest(good, json.dumps(numbered).encode()))
    table = _caseload(root, use_cache=False).reset_index()
    assert "Ann[2Jevil" in table["patient"].tolist()
    assert "[31mred" in table["source"].tolist()
    shown = "".join(str(value) for value in table.to_numpy().ravel())
    assert not any(char in shown for char in "\x1b\u202e\u2066")
    problems = table.set_index("source")["problem"]
    assert problems["list.zip"] == (
        "list.zip: the patient in its manifest.json is not text, so the bundle was refused")
    assert problems["[31mred"] == "the folder [31mred holds no log (no exercise_log.csv or " \
                                  "pain_log.csv)"


def test_an_edited_cache_row_is_computed_again(good, root):
    first = _caseload(root)
    cache = root / CACHE_NAME
    record = json.loads(cache.read_text(encoding="utf-8"))
    record["entries"]["good.zip"]["row"]["pain_verdict"] = "worse"
    record["entries"]["good.zip"]["row"]["open_flags"] = 9
    cache.write_text(json.dumps(record), encoding="utf-8")
    again = load_caseload(root, as_of=AS_OF)
    assert again.analysed == 1
    assert again.table.set_index("source").loc["good.zip", "pain_verdict"] == first.loc[
        "good.zip", "pain_verdict"]
    assert again.table.set_index("source").loc["good.zip", "open_flags"] == 0


def test_a_cache_others_may_write_is_not_trusted(root):
    assert load_caseload(root, as_of=AS_OF).analysed == 1
    assert load_caseload(root, as_of=AS_OF).analysed == 0
    (root / CACHE_NAME).chmod(0o666)
    assert load_caseload(root, as_of=AS_OF).analysed == 1


def test_two_sources_of_one_patient_are_both_shown_and_marked(good, root):
    (root / "a.zip").write_bytes(_repacked(good, patient="", code="P-ABC123"))
    (root / "b.zip").write_bytes(_repacked(good, patient="", code="P-ABC123"))
    table = _caseload(root, use_cache=False)
    assert table.loc["a.zip", "patient"] == table.loc["b.zip", "patient"] == "P-ABC123"
    assert table.loc["a.zip", "note"] == "the same patient as b.zip: check which is current"
    assert table.loc["b.zip", "note"] == "the same patient as a.zip: check which is current"
    assert table.loc["good.zip", "note"] == ""


def test_a_bundle_whose_files_together_pass_the_cap_is_refused(good, root, monkeypatch):
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        together = sum(info.file_size for info in archive.infolist())
    # one byte below what the good bundle unpacks to: every member alone is within its own cap
    monkeypatch.setattr(bundle, "MAX_BUNDLE_BYTES", together - 1)
    table = _caseload(root, use_cache=False)
    assert table.loc["good.zip", "problem"].startswith(
        "good.zip: its files together unpack to more than 0.")


BUNDLES = 8  # enough that their reports together far pass the peak allowed below


def test_peak_memory_does_not_grow_with_the_number_of_bundles(good, tmp_path):
    root = tmp_path / "caseload"
    root.mkdir()
    # each report just within its cap: all of them together are 8 x 8 MB = 64 MB
    report = b"%PDF-1.4\n" + bytes(MAX_REPORT_BYTES - 1024)
    for index in range(BUNDLES):
        (root / f"p{index}.zip").write_bytes(_repacked(good, patient=f"P{index}",
                                                       report_pdf=report))
    tracemalloc.start()
    try:
        table = _caseload(root, use_cache=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (table["problem"] == "").all()
    # one report read and checked at a time (its pieces and the joined bytes), then released
    assert peak < 3 * MAX_REPORT_BYTES < BUNDLES * len(report)
