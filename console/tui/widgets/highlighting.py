"""Tree-sitter languages for the editors, with a JSON query that tree-sitter 0.26 can digest.

Textual's bundled JSON highlight query holds `(#set! conceal "")`; compiling it with the
tree-sitter 0.26 Python binding corrupts the heap and later crashes the process. We register
JSON with the same query minus its #set! directives (they only conceal quotes).
"""

from __future__ import annotations

import re
from functools import lru_cache

from textual.widgets import TextArea


@lru_cache(maxsize=1)
def _json_language():
    try:
        import tree_sitter
        import tree_sitter_json
    except ImportError:
        return None
    query = TextArea._get_builtin_highlight_query("json")
    query = re.sub(r"\(#set! [^()]*\)", "", query)
    return tree_sitter.Language(tree_sitter_json.language()), query


def set_language(area: TextArea, language: str | None) -> None:
    """Switch an editor's highlighting; unknown languages fall back to plain text."""
    if language == "json":
        registered = _json_language()
        if registered is None:
            language = None
        elif "json" not in area.available_languages or "json" not in getattr(area, "_languages", {}):
            area.register_language("json", registered[0], registered[1])
    try:
        area.language = language
    except Exception:
        area.language = None


def _editor_theme(dark: bool) -> str:
    # "css" keeps the app theme's background with VS Code dark syntax colours; light themes
    # need light syntax colours to stay readable.
    return "css" if dark else "github_light"


def editor_theme(app: object) -> str:
    """The syntax theme an editor starts with under the app's current theme (given to the
    constructor, so follow_app_theme finds it set and the area does not build its theme twice)."""
    return _editor_theme(bool(getattr(getattr(app, "current_theme", None), "dark", True)))


def follow_app_theme(area: TextArea) -> None:
    """Keep an editor's syntax theme in step with the app's light/dark theme (call once mounted)."""

    def apply(_theme: object = None) -> None:
        area.theme = _editor_theme(bool(getattr(area.app.current_theme, "dark", True)))

    apply()
    area.app.theme_changed_signal.subscribe(area, apply)
