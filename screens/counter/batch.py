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
from textual.message import Message
from textual.widgets import DirectoryTree, ProgressBar

from kiosk.domain.counter.batch import (
    FILE_NAME,
    TARGET,
    TARGET_PERCENT,
    Batch,
    BatchReport,
    target_reached,
)
from kiosk.domain.files import shown_path
from screens.counter.base import StaffScreen
from screens.errors import FAILED, log_failure
from screens.widgets.plain import PlainDirectoryTree
from screens.widgets.text import Computed, Notice, Tr

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
    error_notice = "#batch-result"   # a refused or failed import says why where its summary goes
    title_key = "batch.title"

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def fields(self) -> ComposeResult:
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
        lines = [Text(self.t("batch.units_title", target=TARGET_PERCENT), style="bold")]
        for unit, registered, submitted in rows:
            ratio = registered / submitted if submitted else 0.0
            lines.append(Text.assemble(f"{unit} ", unit_bar(registered, submitted),
                                       f" {registered}/{submitted} {ratio:.0%}"))
        lines.append(Text(self.t("batch.target_note", target=TARGET_PERCENT), style="dim"))
        return Text("\n").join(lines)

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        if self.busy:
            return
        host = self.host
        run = self.attempt(host.counter.batch_importer, host.staff_session)
        if run is FAILED:      # the staff session is over (or was refused), or said why
            return
        self.busy = True
        bar = self.query_one("#batch-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#batch-result", Notice).say("batch.importing", name=event.path.name)
        reports = host.services.store.path.parent / "reports"
        self._import(run, event.path, reports, host.catalog)

    class Progress(Message, bubble=False):
        """From the import's thread: ``done`` of ``total`` rows."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class Finished(Message, bubble=False):
        """From the import's thread: its report, or what stopped it."""

        def __init__(self, outcome: BatchReport | Exception) -> None:
            super().__init__()
            self.outcome = outcome

    @work(thread=True, exclusive=True, group="batch", exit_on_error=False)
    def _import(self, run: Any, path: Path, reports: Path, catalog: Any) -> None:
        """On a worker thread: only ``run`` (its own Store) and messages posted to this
        screen, which the screen handles on its own thread (post_message is thread-safe).
        If the screen has gone meanwhile, the import still finishes and is audited."""
        outcome: BatchReport | Exception
        try:
            outcome = run(path, reports, catalog, self._progress_from_thread)
        except Exception as error:   # shown by the screen, through its one error path
            outcome = error
        self._post(self.Finished(outcome))

    def _progress_from_thread(self, done: int, total: int) -> None:
        self._post(self.Progress(done, total))

    def _post(self, message: Message) -> None:
        """A message to this screen from the import's thread. A screen that has gone takes
        none (post_message says False); an app that has stopped has no loop left to take
        it: the import is done and audited, and there is no screen to tell."""
        try:
            self.post_message(message)
        except RuntimeError as error:   # "Event loop is closed"
            log_failure(error, "BatchScreen: the app stopped before the import ended")

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        if not self.is_attached:   # posted just before the screen went
            return
        self.query_one("#batch-progress", ProgressBar).update(total=message.total,
                                                              progress=message.done)
        self.host.keep_awake()

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.busy = False
        if not self.is_attached:
            return
        self.query_one("#batch-progress", ProgressBar).display = False
        outcome = message.outcome
        if isinstance(outcome, Exception):
            self.show_failure(outcome)   # at #batch-result, or staff mode ends
            return
        report = shown_path(outcome.report) if outcome.report else ""
        self.query_one("#batch-result", Notice).say(
            "batch.summary", unit=outcome.unit, imported=outcome.imported,
            already=outcome.already_registered, rejected=outcome.rejected,
            duplicates=outcome.duplicates, report=report)
        self.query_one("#batch-units", Computed).refresh_text()

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()
