"""The next invocation runs what is on disk: every file counts, however many, and hashes are reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.engine import codehash
from console.engine.codehash import CodeFolder, code_sha256, fingerprint

HANDLER = "import helper\ndef lambda_handler(e, c):\n    return helper.VALUE\n"


def _many_files(folder: Path, count: int, subfolders: int = 20) -> None:
    for n in range(subfolders):
        sub = folder / "vendor" / f"pkg{n:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        for i in range(count // subfolders):
            (sub / f"m{i}.py").write_text("X = 1\n")


def test_an_edit_past_the_five_thousandth_file_is_seen_at_once(engine, make_function):
    code = "from zz import helper\ndef lambda_handler(e, c):\n    return helper.VALUE\n"
    config = make_function(code, files={"zz/__init__.py": "", "zz/helper.py": "VALUE = 'old'\n"})
    _many_files(config.code_dir, 6000)
    assert engine.invoke(config, b"{}").payload == b'"old"'
    (config.code_dir / "zz" / "helper.py").write_text("VALUE = 'new'\n")
    assert engine.invoke(config, b"{}").payload == b'"new"'


def test_an_edit_that_keeps_the_size_and_the_time_is_seen(engine, make_function):
    config = make_function(HANDLER, files={"helper.py": "VALUE = 'aaa'\n"})
    helper = config.code_dir / "helper.py"
    assert engine.invoke(config, b"{}").payload == b'"aaa"'
    before = helper.stat()
    with open(helper, "r+") as f:  # rewritten in place: same inode, same size
        f.write("VALUE = 'bbb'\n")
    os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert engine.invoke(config, b"{}").payload == b'"bbb"'


def test_without_a_watch_a_fresh_edit_is_rehashed_not_trusted_on_its_stat(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text("A = 1\n")
    folder = CodeFolder(tmp_path, watch=False)
    first = folder.snapshot().sha256
    stat = (tmp_path / "a.py").stat()
    with open(tmp_path / "a.py", "r+") as f:
        f.write("A = 2\n")
    os.utime(tmp_path / "a.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert folder.snapshot().sha256 != first


def test_code_changed_names_a_file_and_the_next_look_rereads_it(tmp_path):
    (tmp_path / "a.py").write_text("A = 1\n")
    folder = CodeFolder(tmp_path, watch=False)
    first = folder.snapshot().sha256
    folder.changed("a.py")
    assert folder.snapshot().sha256 == first  # nothing changed: same hash


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    for i in range(50):
        (tmp_path / f"m{i}.py").write_text(f"X = {i}\n")
    for p in tmp_path.iterdir():  # far in the past: not racy
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    folder = CodeFolder(tmp_path, watch=False)
    folder.snapshot()
    reads: list[str] = []
    real = codehash.hash_file
    monkeypatch.setattr(codehash, "hash_file", lambda path: reads.append(str(path)) or real(path))
    (tmp_path / "m7.py").write_text("X = 'seven'\n")
    folder.snapshot()
    assert reads == [str(tmp_path / "m7.py")]


def test_sha256_and_size_cover_every_file_in_sub_folders(tmp_path):
    _many_files(tmp_path, 6000)
    folder = CodeFolder(tmp_path, watch=False)
    snap = folder.snapshot()
    assert snap.files == 6000 and snap.size == 6000 * len("X = 1\n")
    assert len(fingerprint(tmp_path)) == 6000
    last = tmp_path / "vendor" / "pkg19" / "m299.py"
    last.write_text("X = 2\n")
    assert code_sha256(tmp_path) != snap.sha256


def test_large_files_are_hashed_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(codehash, "CHUNK_BYTES", 1024)
    (tmp_path / "big.bin").write_bytes(os.urandom(10_000))
    import hashlib

    assert codehash.hash_file(tmp_path / "big.bin") == hashlib.sha256((tmp_path / "big.bin").read_bytes()).digest()


def test_the_console_state_folder_and_caches_are_not_code(tmp_path):
    (tmp_path / "a.py").write_text("A = 1\n")
    before = code_sha256(tmp_path)
    (tmp_path / ".lambda-console").mkdir()
    (tmp_path / ".lambda-console" / "metrics.json").write_text("{}")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython.pyc").write_bytes(b"x")
    assert code_sha256(tmp_path) == before


def _need_a_watch() -> None:
    if not codehash._WATCHABLE:
        pytest.skip("inotify is Linux-only")
    if codehash._watcher() is None:
        # The kernel's per-user inotify instances are all taken (other programs): the engine then
        # walks folders on every look, which the tests without a watch cover.
        pytest.skip("no inotify instance available to this user")


def test_with_a_watch_an_unchanged_folder_is_not_walked_again(tmp_path, monkeypatch):
    _need_a_watch()
    (tmp_path / "a.py").write_text("A = 1\n")
    folder = CodeFolder(tmp_path)
    first = folder.snapshot()
    walks: list[Path] = []
    real = codehash._walk
    monkeypatch.setattr(codehash, "_walk", lambda d: walks.append(d) or real(d))
    assert folder.snapshot() == first and walks == []
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("B = 1\n")
    assert folder.snapshot().files == 2
    (tmp_path / "sub" / "b.py").write_text("B = 2\n")  # a watch on the new folder sees this
    third = folder.snapshot()
    assert third.files == 2 and third != first
    folder.close()


def _inotify_fds() -> int:
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if "inotify" in os.path.realpath(fd)) if fds.is_dir() else 0


def test_folders_share_one_inotify_instance_and_nested_folders_both_see_edits(tmp_path):
    _need_a_watch()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text("A = 1\n")
    outer, inner = CodeFolder(tmp_path), CodeFolder(tmp_path / "sub")
    others = [CodeFolder(tmp_path / "sub") for _ in range(10)]
    before = (outer.snapshot(), inner.snapshot(), [o.snapshot() for o in others])
    assert _inotify_fds() <= 1
    (tmp_path / "sub" / "a.py").write_text("A = 2\n")
    assert outer.snapshot() != before[0] and inner.snapshot() != before[1]
    inner.close()  # the shared watch stays for the others
    (tmp_path / "sub" / "a.py").write_text("A = 3\n")
    assert others[0].snapshot().sha256 == code_sha256(tmp_path / "sub")
    for folder in (outer, *others):
        folder.close()


@pytest.mark.parametrize("watch", [True, False], ids=["watched", "walked"])
def test_added_removed_and_renamed_files_keep_the_hash_equal_to_a_fresh_one(tmp_path, watch):
    _many_files(tmp_path, 200, subfolders=4)
    folder = CodeFolder(tmp_path, watch=watch)
    folder.snapshot()
    pkg = tmp_path / "vendor" / "pkg02"
    steps = [
        lambda: (pkg / "new.py").write_text("Y = 1\n"),
        lambda: (pkg / "new.py").unlink(),
        lambda: (pkg / "m5.py").rename(pkg / "m5b.py"),
        lambda: (pkg / "deeper").mkdir(),
        lambda: (pkg / "deeper" / "z.py").write_text("Z = 1\n"),
        lambda: (pkg / "deeper").rename(pkg / "moved"),
        lambda: (pkg / "moved" / "z.py").write_text("Z = 22\n"),
    ]
    for step in steps:
        step()
        snap = folder.snapshot()
        assert snap.sha256 == code_sha256(tmp_path)
        assert snap.size == sum(size for _, size, _, _ in fingerprint(tmp_path))
    folder.close()
