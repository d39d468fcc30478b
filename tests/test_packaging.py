"""pyproject.toml: every folder the package ships is declared, so an install is quiet."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch

from backrelief_analysis import paths

PROJECT = paths.PROJECT_DIR
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
CONFIG = PYPROJECT["tool"]["setuptools"]


def _shipped_folders() -> set[str]:
    """Every folder of the package holding a file, as a dotted name."""
    root = PROJECT / "backrelief_analysis"
    return {".".join(folder.relative_to(PROJECT).parts)
            for folder in [root, *root.rglob("*")]
            if folder.is_dir() and folder.name != "__pycache__"
            and any(child.is_file() for child in folder.iterdir())}


def test_every_folder_with_files_is_a_declared_package() -> None:
    # setuptools warns a page long, at each install, of a folder it would leave out
    assert _shipped_folders() <= set(CONFIG["packages"])


def test_every_data_file_is_declared_package_data() -> None:
    for package in CONFIG["packages"]:
        folder = PROJECT.joinpath(*package.split("."))
        patterns = CONFIG["package-data"].get(package, [])
        for file in folder.iterdir():
            if file.is_file() and file.suffix not in (".py", ".pyc"):
                assert any(fnmatch(file.name, pattern) for pattern in patterns), file
