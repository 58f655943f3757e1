"""The code editor's file actions that ask the user something: the file tree, new / open / rename /
delete file, and keep-mine / reload-theirs (a mixin of CodeEditor, which does the work)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..filemodel import check_relative

if TYPE_CHECKING:
    from textual.widgets import DirectoryTree

    from .file_tree import FunctionTree


class FileActions:
    """Prompts and the tree over CodeEditor's model, tabs and text area."""

    code_dir: Path
    model: Any
    current: str | None
    _offered: set[str]

    # -- the file tree -----------------------------------------------------------------------

    @property
    def tree(self) -> FunctionTree:
        """The file tree (raises NoMatches until Alt+F first showed it)."""
        from .file_tree import FunctionTree

        return self.query_one(FunctionTree)

    def toggle_tree(self) -> None:
        """Show the function's files (sub-folders too) beside the code, or hide them.

        The tree is mounted the first time it is shown, not with the screen: most sessions never
        open it, and a DirectoryTree (its CSS, its nodes, its folder scan) would delay the first paint.
        """
        from .file_tree import FunctionTree

        found = self.query(FunctionTree)
        if not found:
            tree = FunctionTree(self.code_dir, id="file-tree")  # it reads the folder as it mounts
            self.query_one("#code-row").mount(tree, before=0)
            tree.focus()
            return
        tree = found.first()
        tree.display = not tree.display
        if tree.display:
            tree.reload()
            tree.focus()
        else:
            self.text_area.focus()

    def reload_tree(self) -> None:
        """Read the folder again into the tree, when it is shown (files were added or removed)."""
        for tree in self.query("#file-tree"):
            if tree.display:
                tree.reload()

    def open_from_tree(self, event: DirectoryTree.FileSelected) -> None:
        """A file chosen in the tree opens in a tab (a file of a sub-folder joins the watched ones)."""
        event.stop()
        try:
            name = Path(event.path).resolve().relative_to(self.code_dir.resolve()).as_posix()
        except ValueError:
            return
        if name in self.model.buffers:
            self.open_file(name)
            self._after_scan()
        elif not self._open_in_tab(name):
            return
        self.text_area.focus()

    def _open_in_tab(self, name: str) -> bool:
        """Take a file of the folder into the model and show it in its tab; False (and one error
        notice) when it cannot be read or is not editable text."""
        try:
            self._keep_typing()
            self.model.open(name)
        except (OSError, ValueError) as exc:
            self.notify(str(exc), severity="error")
            return False
        self._sync_tabs()
        self.open_file(check_relative(name))
        self._after_scan()
        return True

    def delete_file(self) -> None:
        """Delete the file in the editor, after asking (palette: Delete file)."""
        from ..screens.prompt import Confirm

        name = self.current
        if name is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.model.delete(name)
            except OSError as exc:
                self.notify(f"Could not delete {name}: {exc}", severity="error")
                return
            self.current = None
            self._sync_tabs()
            self._after_scan()
            self.reload_tree()
            self.notify(f"Deleted {name}.", title="Code")
            self.post_message(self.CodeChanged(external=False, names=[name]))

        self.app.push_screen(Confirm(f"Delete {name} from the function?", yes="Delete"), answered)

    def new_file(self) -> None:
        """Ask for a name and add the file (palette: New file)."""
        from ..screens.prompt import NamePrompt

        def chosen(name: str | None) -> None:
            if name:
                try:
                    self.create_file(name)
                except (OSError, ValueError) as exc:
                    self.notify(str(exc), severity="error")

        self.app.push_screen(NamePrompt("New file", value="utils.py", check=self.file_name_problem), chosen)

    def ask_rename(self) -> None:
        """Ask for the current file's new name (palette: Rename file)."""
        from ..screens.prompt import NamePrompt

        current = self.current
        if current is None:
            return

        def chosen(name: str | None) -> None:
            if name and name != current:
                try:
                    self.rename_file(name)
                except (OSError, ValueError) as exc:
                    self.notify(str(exc), severity="error")

        self.app.push_screen(NamePrompt(f"Rename {current}", value=current, check=self.file_name_problem), chosen)

    def file_name_problem(self, name: str) -> str | None:
        try:
            name = check_relative(name)
        except ValueError as exc:
            return str(exc)
        if (self.code_dir / name).exists():
            return f"{name} already exists"
        return None

    def ask_open(self) -> None:
        """Ask for a file of the function (sub-folders too) and open it in a tab (palette: Open file)."""
        from ..screens.prompt import NamePrompt

        def problem(name: str) -> str | None:
            try:
                name = check_relative(name)
            except ValueError as exc:
                return str(exc)
            return None if (self.code_dir / name).is_file() else f"No file {name} in the function folder"

        def chosen(name: str | None) -> None:
            if name:
                self._open_in_tab(name)

        self.app.push_screen(
            NamePrompt("Open file", value="lib/", check=problem, hint="A path in the function folder, like lib/helpers.py"),
            chosen,
        )

    def offer_conflict(self, name: str | None = None) -> None:
        """Ask whether to keep the editor's text or load the other program's (autosave waits)."""
        from ..screens.prompt import Choice

        conflicts = self.model.conflicts
        if name is None:
            if not conflicts:
                self.notify("No file is in conflict with its copy on disk.", title="Code")
                return
            name = conflicts[0]
        if name not in conflicts or name in self._offered:
            return
        self._offered.add(name)

        def answered(answer: str | None) -> None:
            self._offered.discard(name)
            if answer is None:
                self.notify(
                    f"Autosave of {name} stays paused until you choose (palette: Resolve file changed on disk).",
                    title="Code",
                    severity="warning",
                )
                return
            try:
                aside = self.resolve(name, keep_mine=answer == "mine")
            except OSError as exc:
                self.notify(f"Could not resolve {name}: {exc}", severity="error")
                return
            if aside is not None:
                what = "The other editor's version" if answer == "mine" else "Your version"
                self.notify(f"{what} of {name} was saved as {aside}", title="Code", timeout=15)

        self.app.push_screen(
            Choice(
                f"{name} changed on disk",
                f"Another program changed {name} while you had unsaved edits here. Autosave of this file "
                "is paused. Which version do you want? The other one is saved aside in "
                ".lambda-console/conflicts/ in the function folder.",
                [("mine", "Keep mine"), ("theirs", "Reload theirs")],
            ),
            answered,
        )

