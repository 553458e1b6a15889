"""A keyboard file picker for the card photo, then a preview of it (瀏覽 → 開啟 → 上傳預覽).
Folders and files are listed; a file is judged by its content when chosen, so a photo saved
with the wrong name still works and a renamed PNG does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DirectoryTree, Input

from kiosk.domain.files import shown_path
from kiosk.domain.replacement.photos import MAX_BYTES, Photo, read_photo
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import Notice
from screens.widgets.photo import PhotoPreview
from screens.widgets.plain import PlainDirectoryTree
from screens.widgets.text import Tr


class PhotoTree(PlainDirectoryTree):
    """Folders and files under the picker's root; hidden entries and the kiosk's own data
    folder (other applicants' photos) stay out of sight."""

    def __init__(self, path: Path, private: Path, **kw: object) -> None:
        super().__init__(path, **kw)  # type: ignore[arg-type]
        self.private = private

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and not _inside(p, self.private)]


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return True   # what cannot be resolved is not shown


class PhotoPickerScreen(KioskScreen[Photo]):
    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "cancel", "key.back")]
    title_key = "photo.title"

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start   # the root: nothing above it can be browsed

    def fields(self) -> ComposeResult:
        yield Tr("photo.hint", params={"max_mb": MAX_BYTES // (1024 * 1024)},
                 classes="note")
        with Horizontal(classes="form-row"):
            yield Tr("photo.folder", classes="form-label")
            yield Input(shown_path(self.start), id="f-folder", compact=True, max_length=4096)
        # above the tree, which takes what is left: below it the notice was pushed
        # under the status bar, where nobody saw why a photo was refused
        yield Notice(id="form-error", classes="form-error")
        yield PhotoTree(self.start, self.host.papers_dir.parent, id="tree")

    def on_mount(self) -> None:
        self.query_one("#tree", PhotoTree).focus()
        if _inside(self.start, self.host.papers_dir.parent):
            # the kiosk's own folder (other applicants' photos) is never listed: say so,
            # rather than show an empty tree
            self.query_one("#form-error", Notice).say("photo.start_private")

    @on(Input.Submitted, "#f-folder")
    def _go(self, event: Input.Submitted) -> None:
        try:
            folder = Path(event.value).expanduser().resolve()
            usable = (folder.is_dir() and folder.is_relative_to(self.start.resolve())
                      and not _inside(folder, self.host.papers_dir.parent))
        except (OSError, RuntimeError):
            usable = False
        if not usable:
            self.query_one("#form-error", Notice).say("photo.no_folder",
                                                      root=shown_path(self.start))
            return
        self.query_one("#form-error", Notice).say(None)
        tree = self.query_one("#tree", PhotoTree)
        tree.path = folder
        tree.focus()

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        notice = self.query_one("#form-error", Notice)
        if _inside(event.path, self.host.papers_dir.parent):
            notice.say("photo.no_folder", root=shown_path(self.start))
            return
        photo = self.attempt(read_photo, event.path)   # refused: why, under the folder
        if photo is FAILED:
            return

        def decided(accepted: bool | None) -> None:
            if accepted:
                self.dismiss(photo)

        self.app.push_screen(PreviewScreen(photo, event.path.name), decided)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PreviewScreen(KioskScreen[bool]):
    """上傳預覽: the photo as it will be printed; Enter uses it, Esc chooses another."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("enter", "use", "photo.key_use"),
                Binding("escape", "back", "photo.key_other")]

    def __init__(self, photo: Photo, name: str) -> None:
        super().__init__()
        self.photo, self.file_name = photo, name

    def body(self) -> ComposeResult:
        with Horizontal(id="preview"):
            yield PhotoPreview(self.photo.data, id="photo")
            with Vertical(id="preview-text"):
                yield Tr("photo.preview_title", classes="screen-title")
                yield Tr("photo.preview_info", params={
                    "name": self.file_name, "width": self.photo.width,
                    "height": self.photo.height, "kb": len(self.photo.data) // 1024},
                    classes="message")
                yield Tr("photo.preview_ask", classes="note")

    def action_use(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
