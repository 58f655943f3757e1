"""The function's code files: a cheap fingerprint to notice changes, and Lambda's Code SHA-256."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

# A function folder is small; past this many files we stop looking rather than stall every invoke.
MAX_FILES = 5000
_SKIP_DIRS = {"__pycache__"}


def _code_files(code_dir: Path) -> list[tuple[str, os.stat_result]]:
    found: list[tuple[str, os.stat_result]] = []
    stack = [""]
    while stack and len(found) < MAX_FILES:
        rel = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(code_dir, rel) if rel else code_dir))
        except OSError:
            continue
        for entry in entries:
            # dot-folders hold the console's own state (.lambda-console) and VCS data, not code
            if entry.name.startswith(".") or entry.name in _SKIP_DIRS:
                continue
            path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir():
                    stack.append(path)
                elif entry.is_file():
                    found.append((path, entry.stat()))
            except OSError:
                continue
    found.sort()
    return found


def fingerprint(code_dir: Path) -> tuple:
    """Changes whenever a code file is added, removed, renamed or rewritten."""
    return tuple((p, s.st_size, s.st_mtime_ns, s.st_ino) for p, s in _code_files(code_dir))


def code_sha256(code_dir: Path) -> str:
    """Base64 SHA-256 over the code files (paths and contents), as stable as Lambda's."""
    digest = hashlib.sha256()
    for rel, _stat in _code_files(code_dir):
        try:
            data = (Path(code_dir) / rel).read_bytes()
        except OSError:
            continue
        digest.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return base64.b64encode(digest.digest()).decode()
