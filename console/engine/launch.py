"""What an execution environment is started with besides the function's settings: its interpreter,
its built dependencies, its layers as /opt, the runtime's libraries, and the size Lambda would see."""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError
from .interpreters import Resolution
from .runtime_dirs import cache_root

# Lambda's limit on the function and all its layers, unzipped.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


@dataclass(frozen=True)
class Launch:
    """Everything the engine passes to a new environment that is not in FunctionConfig."""

    resolution: Resolution
    lib: str  # the runtime's private helpers (simplejson)
    sdk: str  # boto3 and its dependencies, as Lambda's runtime includes them
    deps: tuple[str, ...] = ()  # built requirements (part of /var/task on Lambda)
    layers: tuple[str, ...] = ()  # folders standing for /opt, in the order Lambda adds them
    warnings: tuple[str, ...] = field(default=())

    @property
    def python(self) -> str:
        return self.resolution.interpreter.path

    def layout(self) -> dict:
        """What the runtime's bootstrap needs to build sys.path and show Lambda's paths."""
        return {"deps": list(self.deps), "layers": list(self.layers), "sdk": self.sdk}


_extract_lock = threading.Lock()


def layer_root(layer: str) -> str:
    """The folder standing for /opt for one layer: the folder itself, or a .zip extracted once
    into the cache (keyed by its content)."""
    path = Path(layer)
    if path.is_dir():
        return str(path)
    try:
        import hashlib  # a layer archive only (and it may be large)

        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ConfigError(f"Layer {layer} cannot be read: {exc.strerror or exc}") from exc
    import shutil
    import zipfile  # a layer archive only: never on a start without one

    target = cache_root() / "layers" / digest.hexdigest()[:32]
    with _extract_lock:
        if target.is_dir():
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".layer.", dir=target.parent))
        try:
            with zipfile.ZipFile(path) as archive:
                for member in archive.infolist():
                    # A layer archive must not write outside its folder.
                    name = os.path.normpath(member.filename)
                    if name.startswith(("..", "/")) or os.path.isabs(name):
                        raise ConfigError(f"Layer {layer} holds a path outside the layer: {member.filename}")
                archive.extractall(staging)
            os.rename(staging, target)
        except zipfile.BadZipFile as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise ConfigError(f"Layer {layer} is not a valid .zip file ({exc})") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return str(target)


def folder_bytes(folder: str, skip_dot: bool = False) -> int:
    """Bytes of the files under a folder (the function's own skips its .lambda-console state)."""
    total = 0
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if skip_dot and current == folder and entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


_sizes: dict[str, int] = {}


def size_warning(code_bytes: int, deps: tuple[str, ...], layers: tuple[str, ...]) -> str | None:
    """Lambda refuses a function whose code, dependencies and layers exceed 250 MB unzipped: say
    so (the console still runs it). The code's size comes from its snapshot; built dependencies
    and extracted layers do not change, so each is measured once."""
    total = code_bytes
    for folder in deps + layers:
        if folder not in _sizes:
            _sizes[folder] = folder_bytes(folder)
        total += _sizes[folder]
    if total <= MAX_UNZIPPED_BYTES:
        return None
    return (
        f"Warning: the function and its layers are {total / 1048576:.1f} MB unzipped; Lambda refuses "
        f"more than 250 MB (unzipped deployment package and layers). The console runs it anyway."
    )
