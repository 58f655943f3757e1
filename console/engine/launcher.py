"""How a started (not forked) environment runs the runtime: from its cached bytecode, as if it were the script."""

from __future__ import annotations

# `python -c LAUNCHER .../bootstrap.py ARGS...` behaves as `python .../bootstrap.py ARGS...`
# (same sys.argv, bootstrap as __main__, the runtime folder first on sys.path), except that the
# runtime is imported, so its bytecode is cached in __pycache__ and reused: a script is compiled
# again at every start. It must run on every interpreter the runtimes use (CPython 3.7+).
LAUNCHER = (
    "import sys\n"
    "del sys.argv[0]\n"  # '-c': the script's path comes next, as if it had been run
    # -c puts the current folder (the function's code) first; a script run puts its own folder.
    "if sys.path and sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "sys.path.insert(0, sys.argv[0].rpartition('/')[0])\n"
    "import bootstrap\n"
    "bootstrap.__name__ = '__main__'\n"
    "sys.modules['__main__'] = bootstrap\n"
    "bootstrap.main(sys.argv)\n"
)
