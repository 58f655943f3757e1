"""The editor's files without a widget: autosave writes, conflicts, resolve, polling, freshness."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.tui.filemodel import FileModel


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (tmp_path / "utils.py").write_text("X = 1\n")
    return tmp_path


def _model(folder: Path) -> tuple[FileModel, list[int]]:
    calls: list[int] = []
    model = FileModel(folder, on_disk_change=lambda: calls.append(1))
    model.scan()
    return model, calls


def _rewrite(path: Path, text: str) -> None:
    """Another program's write: a different size or mtime than ours, as a real later write has."""
    stat = path.stat()
    path.write_text(text)
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_handler_file_comes_first_and_clean_files_are_not_written(folder):
    model, calls = _model(folder)
    assert model.names == ["lambda_function.py", "utils.py"]
    assert model.flush().written == [] and calls == []


def test_an_edit_is_written_atomically_and_the_invoker_is_told(folder):
    model, calls = _model(folder)
    model.set_text("utils.py", "X = 2\n")
    assert model.dirty
    result = model.flush()
    assert result.written == ["utils.py"] and (folder / "utils.py").read_text() == "X = 2\n"
    assert calls == [1] and not model.dirty
    assert not list(folder.glob(".*.tmp"))


def test_a_file_another_program_changed_under_unsaved_edits_is_never_written_over(folder):
    model, _ = _model(folder)
    model.set_text("utils.py", "X = 'mine'\n")
    _rewrite(folder / "utils.py", "X = 'theirs'\n")
    result = model.flush()
    assert result.conflicts == ["utils.py"] and result.written == []
    assert (folder / "utils.py").read_text() == "X = 'theirs'\n"
    assert model.conflicts == ["utils.py"]
    assert model.flush().written == []  # autosave stays paused


def test_keep_mine_writes_mine_and_keeps_theirs_aside(folder):
    model, _ = _model(folder)
    model.set_text("utils.py", "X = 'mine'\n")
    _rewrite(folder / "utils.py", "X = 'theirs'\n")
    model.flush()
    aside = model.resolve("utils.py", keep_mine=True)
    assert aside is not None and aside.read_text() == "X = 'theirs'\n" and ".disk-" in aside.name
    assert (folder / "utils.py").read_text() == "X = 'mine'\n" and model.conflicts == []


def test_reload_theirs_loads_theirs_and_keeps_mine_aside(folder):
    model, _ = _model(folder)
    model.set_text("utils.py", "X = 'mine'\n")
    _rewrite(folder / "utils.py", "X = 'theirs'\n")
    model.flush()
    aside = model.resolve("utils.py", keep_mine=False)
    assert aside.read_text() == "X = 'mine'\n" and ".mine-" in aside.name
    assert model.buffers["utils.py"].text == "X = 'theirs'\n" and not model.dirty


def test_closing_with_a_conflict_saves_mine_aside_once(folder):
    model, _ = _model(folder)
    model.set_text("utils.py", "X = 'mine'\n")
    _rewrite(folder / "utils.py", "X = 'theirs'\n")
    result = model.flush(final=True)
    assert [name for name, _ in result.saved_aside] == ["utils.py"]
    assert result.saved_aside[0][1].read_text() == "X = 'mine'\n"
    assert model.flush(final=True).saved_aside == []


def test_polling_reloads_clean_files_and_finds_new_and_removed_ones(folder):
    model, calls = _model(folder)
    assert model.poll().changed == [] and calls == []
    _rewrite(folder / "utils.py", "X = 3\n")
    (folder / "new.py").write_text("Y = 1\n")
    result = model.poll()
    assert result.reloaded == ["utils.py"] and result.added == ["new.py"]
    assert model.buffers["utils.py"].text == "X = 3\n" and calls == [1]
    (folder / "new.py").unlink()
    assert model.poll().removed == ["new.py"] and "new.py" not in model.buffers


def test_polling_a_change_under_unsaved_edits_reports_a_conflict_and_keeps_the_edit(folder):
    model, _ = _model(folder)
    model.set_text("utils.py", "X = 'mine'\n")
    _rewrite(folder / "utils.py", "X = 'theirs'\n")
    result = model.poll()
    assert result.conflicts == ["utils.py"] and model.buffers["utils.py"].text == "X = 'mine'\n"


def test_create_and_rename_tell_the_invoker_and_refuse_to_overwrite(folder):
    model, calls = _model(folder)
    model.create("helpers.py")
    assert (folder / "helpers.py").read_text() == "" and "helpers.py" in model.names and calls == [1]
    with pytest.raises(FileExistsError):
        model.create("utils.py")
    model.set_text("helpers.py", "Z = 1\n")
    model.rename("helpers.py", "tools.py")
    assert (folder / "tools.py").read_text() == "Z = 1\n" and not (folder / "helpers.py").exists()
    assert "tools.py" in model.names and "helpers.py" not in model.buffers
    with pytest.raises(FileExistsError):
        model.rename("tools.py", "utils.py")


def test_files_in_sub_folders_can_be_created_opened_renamed_and_are_watched(folder):
    model, calls = _model(folder)
    model.create("lib/helpers.py")
    assert (folder / "lib" / "helpers.py").is_file() and "lib/helpers.py" in model.names
    (folder / "pkg").mkdir()
    (folder / "pkg" / "mod.py").write_text("Y = 1\n")
    model.open("pkg/mod.py")
    assert model.buffers["pkg/mod.py"].text == "Y = 1\n"
    _rewrite(folder / "pkg" / "mod.py", "Y = 2\n")
    assert model.poll().reloaded == ["pkg/mod.py"]  # watched like a top-level file
    model.rename("lib/helpers.py", "lib/tools.py")
    assert (folder / "lib" / "tools.py").is_file() and "lib/tools.py" in model.names
    for bad in ("../escape.py", ".lambda-console/config.json", "lib/../../x.py"):
        with pytest.raises(ValueError):
            model.create(bad)
