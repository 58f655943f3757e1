"""The folders an execution environment is built from besides the function's: the runtime's private
library (/var/runtime's helpers), the SDK Lambda bundles, and the console's cache that holds them."""

from __future__ import annotations

import importlib.util
import os
import tempfile
import threading
from pathlib import Path

from .sha import sha256

# What Lambda's runtime ships beside the interpreter: boto3 and its dependencies only.
SDK_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# The runtime's own helpers: importable by the runtime, never by the function.
PRIVATE_MODULES = ("simplejson",)

_lock = threading.Lock()
_made: dict[str, str] = {}


def cache_root() -> Path:
    """$LAMBDA_CONSOLE_CACHE, else $XDG_CACHE_HOME/lambda-console, else ~/.cache/lambda-console."""
    explicit = os.environ.get("LAMBDA_CONSOLE_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "lambda-console"


def _origin(module: str) -> str | None:
    """The installed package folder (or single-file module) of a top-level module, unimported."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return None
    if spec.submodule_search_locations:
        return os.path.dirname(spec.origin)
    return spec.origin


def _link_farm(kind: str, modules: tuple[str, ...], required: tuple[str, ...] = ()) -> str:
    """A folder of symlinks to just these installed modules (the rest of the console's
    site-packages stays out of reach). Made once per set of installed locations; OSError when a
    `required` module is not installed beside the console."""
    with _lock:
        known = _made.get(kind)
        if known is not None and os.path.isdir(known):
            return known  # looked up once per process: a cold start does not search sys.path
    origins = {m: o for m in modules if (o := _origin(m)) is not None}
    missing = [m for m in required if m not in origins]
    if missing:
        # Without this the runtime would start and fail on its own import, which reads as if the
        # function were broken.
        raise OSError(
            f"the runtime needs {', '.join(missing)}, which is not installed for the console's Python "
            f"(reinstall lambda-console, or pip install {' '.join(missing)})"
        )
    digest = sha256(repr(sorted(origins.items())).encode()).hexdigest()[:16]
    key = f"{kind}-{digest}"
    with _lock:
        for root in (cache_root() / "runtime", Path(tempfile.gettempdir()) / f"lambda-console-{os.getuid()}"):
            folder = root / key
            try:
                if folder.is_dir() and not _links_hold(folder, origins):
                    # A link points at a module since deleted, or the folder was tampered with:
                    # set it aside (never reuse it) and make the folder again.
                    os.rename(folder, Path(tempfile.mkdtemp(prefix=f".{key}.stale.", dir=root)) / key)
                if not folder.is_dir():
                    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=_mkdir(root)))
                    for module, origin in origins.items():
                        os.symlink(origin, staging / os.path.basename(origin))
                    try:
                        os.rename(staging, folder)
                    except OSError:
                        if not folder.is_dir():
                            raise
                        # another console made it first
                _made[kind] = str(folder)
                return str(folder)
            except OSError:
                continue
        raise OSError(f"cannot create the runtime's {kind} folder under {cache_root()} or the temp folder")


def _links_hold(folder: Path, origins: dict[str, str]) -> bool:
    """Whether the folder links exactly to these origins, every link resolving."""
    try:
        names = set(os.listdir(folder))
        wanted = {os.path.basename(origin): origin for origin in origins.values()}
        return names == set(wanted) and all(
            os.readlink(folder / name) == origin and os.path.exists(folder / name) for name, origin in wanted.items()
        )
    except OSError:
        return False


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def private_lib() -> str:
    """Where the runtime imports simplejson from. A foreign interpreter ignores the compiled
    speed-ups built for the console's Python and uses simplejson's pure-Python code, which
    produces the same bytes."""
    return _link_farm("lib", PRIVATE_MODULES, required=PRIVATE_MODULES)


def sdk_dir() -> str:
    """boto3, botocore and their dependencies when installed beside the console (the `remote`
    extra), as the runtime-included libraries in /var/lang/lib/python3.X/site-packages."""
    return _link_farm("sdk", SDK_MODULES)
