"""整批健保卡註冊 from the counter: pick a unit file, watch it import, read the summary,
and see every unit's progress towards the 80 % target as a bar."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DirectoryTree, ProgressBar

from kiosk.domain.batch import FILE_NAME, TARGET, Batch, BatchReport, target_reached
from kiosk.domain.errors import KioskError
from kiosk.domain.files import shown_path
from screens.forms import Notice
from screens.staff.base import StaffScreen
from screens.widgets.plain import PlainDirectoryTree
from screens.widgets.text import Computed, Tr

BAR = 24


class UnitFileTree(PlainDirectoryTree):
    """Folders, and the files a unit may send: the CSV by its name, or a zip."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or FILE_NAME.fullmatch(p.name)
                     or p.suffix.lower() == ".zip")]


def unit_bar(registered: int, submitted: int, width: int = BAR) -> Text:
    """█ registered, ░ not yet, and │ where the 80 % target lies."""
    ratio = registered / submitted if submitted else 0.0
    filled, target = round(ratio * width), round(TARGET * width)
    bar = Text()
    for cell in range(width):
        mark = "█" if cell < filled else "░"
        if cell == target:
            mark = "┃" if cell >= filled else "█"
        bar.append(mark, style="green" if target_reached(registered, submitted) else "yellow")
    return bar


class BatchScreen(StaffScreen):
    BINDINGS = [Binding("escape", "back", "key.back")]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr("batch.title", classes="screen-title")
            yield Tr("batch.pick_hint", params={"root": shown_path(self.host.batch_root)},
                     classes="note")
            with Horizontal(id="batch-main"):
                yield UnitFileTree(self.host.batch_root, id="batch-tree")
                with Vertical(id="batch-side"):
                    yield ProgressBar(id="batch-progress", show_eta=False)
                    yield Notice(id="batch-result", classes="hint")
                    yield Computed(self._units, id="batch-units")

    def on_mount(self) -> None:
        self.query_one("#batch-progress", ProgressBar).display = False
        self.query_one("#batch-tree", UnitFileTree).focus()

    def _units(self) -> Text:
        rows = Batch(self.host.services).progress()
        if not rows:
            return Text(self.t("batch.no_units"))
        lines = [Text(self.t("batch.units_title"), style="bold")]
        for unit, registered, submitted in rows:
            ratio = registered / submitted if submitted else 0.0
            lines.append(Text.assemble(f"{unit} ", unit_bar(registered, submitted),
                                       f" {registered}/{submitted} {ratio:.0%}"))
        lines.append(Text(self.t("batch.target_note"), style="dim"))
        return Text("\n").join(lines)

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        if self.busy:
            return
        host = self.host
        run = self.staff_call(host.counter.batch_importer, host.staff_session)
        if run is None:        # the staff session is over (or was refused)
            return
        self.busy = True
        bar = self.query_one("#batch-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#batch-result", Notice).say("batch.importing", name=event.path.name)
        reports = host.services.store.path.parent / "reports"
        self._import(run, event.path, reports, host.catalog)

    @work(thread=True, exclusive=True, group="batch", exit_on_error=False)
    def _import(self, run: Any, path: Path, reports: Path, catalog: Any) -> None:
        """On a worker thread: only ``run`` (its own Store) and messages to this screen.
        If the screen has gone meanwhile, the import still finishes and is audited."""
        try:
            outcome: Any = run(path, reports, catalog, self._progress_from_thread)
        except KioskError as error:
            outcome = error
        except Exception as error:   # a corrupt zip the libraries choke on, a full disk
            self.log.error(f"batch import failed: {type(error).__name__}")
            outcome = KioskError("err.generic")
        self._to_screen(self._finished, outcome)

    def _to_screen(self, method: Any, *args: Any) -> None:
        try:
            self.app.call_from_thread(method, *args)
        except Exception:   # the screen (or the app) is gone: nothing left to show it on
            pass

    def _progress_from_thread(self, done: int, total: int) -> None:
        self._to_screen(self._progress, done, total)

    def _progress(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one("#batch-progress", ProgressBar).update(total=total, progress=done)
            self.host.keep_awake()

    def _finished(self, outcome: BatchReport | KioskError) -> None:
        self.busy = False
        if not self.is_attached:
            return
        self.query_one("#batch-progress", ProgressBar).display = False
        notice = self.query_one("#batch-result", Notice)
        if isinstance(outcome, KioskError):
            if not self.session_refused(outcome):
                notice.say(outcome.key, **outcome.params)
            return
        report = shown_path(outcome.report) if outcome.report else ""
        notice.say("batch.summary", unit=outcome.unit, imported=outcome.imported,
                   already=outcome.already_registered, rejected=outcome.rejected,
                   duplicates=outcome.duplicates, report=report)
        self.query_one("#batch-units", Computed).refresh_text()

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()
