"""The voice and tone switches, remembered in a small owner-only file beside the log."""

from __future__ import annotations

import stat

from backrelief_analysis.session.settings import SoundSettings, load_settings, save_settings


def test_switches_are_remembered_owner_only(tmp_path):
    folder = tmp_path / "log"
    assert load_settings(folder) == SoundSettings(voice=True, tones=True)
    path = save_settings(SoundSettings(voice=False, tones=True), folder)
    assert load_settings(folder) == SoundSettings(voice=False, tones=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == ["settings.json"]  # no temporary left


def test_a_broken_settings_file_gives_the_defaults(tmp_path):
    (tmp_path / "settings.json").write_text('{"voice": "loud", "tones": false')
    assert load_settings(tmp_path) == SoundSettings()
    (tmp_path / "settings.json").write_text('{"voice": "loud", "tones": false}')
    assert load_settings(tmp_path) == SoundSettings(voice=True, tones=False)


def test_fewer_words_is_off_unless_remembered_and_an_old_file_still_loads(tmp_path):
    (tmp_path / "settings.json").write_text('{"voice": false, "tones": true}')  # before it
    assert load_settings(tmp_path) == SoundSettings(voice=False, tones=True, fewer_words=False)
    save_settings(SoundSettings(fewer_words=True), tmp_path)
    assert load_settings(tmp_path).fewer_words is True
