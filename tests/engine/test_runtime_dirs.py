"""The runtime's link folders: rebuilt when a link no longer resolves, refused when simplejson is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.engine import runtime_dirs


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_CONSOLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(runtime_dirs, "_made", {})
    return tmp_path / "cache"


def test_the_private_lib_links_simplejson(cache):
    folder = Path(runtime_dirs.private_lib())
    assert folder.parent == cache / "runtime"
    assert (folder / "simplejson" / "__init__.py").is_file()


def test_a_lib_folder_whose_link_dangles_is_made_again(cache, monkeypatch):
    folder = Path(runtime_dirs.private_lib())
    link = folder / "simplejson"
    target = os.readlink(link)
    os.unlink(link)
    os.symlink(str(cache / "deleted-venv" / "simplejson"), link)  # what a deleted venv leaves
    monkeypatch.setattr(runtime_dirs, "_made", {})
    again = Path(runtime_dirs.private_lib())
    assert again == folder
    assert os.readlink(again / "simplejson") == target
    assert (again / "simplejson" / "__init__.py").is_file()


def test_an_emptied_lib_folder_is_made_again(cache, monkeypatch):
    folder = Path(runtime_dirs.private_lib())
    os.unlink(folder / "simplejson")
    monkeypatch.setattr(runtime_dirs, "_made", {})
    assert (Path(runtime_dirs.private_lib()) / "simplejson" / "__init__.py").is_file()


def test_a_missing_simplejson_is_one_clear_error_not_a_broken_runtime(cache, monkeypatch):
    real = runtime_dirs._origin
    monkeypatch.setattr(runtime_dirs, "_origin", lambda m: None if m == "simplejson" else real(m))
    with pytest.raises(OSError, match="the runtime needs simplejson"):
        runtime_dirs.private_lib()
    assert not (cache / "runtime").exists() or not any((cache / "runtime").iterdir())


def test_the_sdk_folder_may_be_empty(cache, monkeypatch):
    monkeypatch.setattr(runtime_dirs, "_origin", lambda m: None)
    assert os.listdir(runtime_dirs.sdk_dir()) == []
