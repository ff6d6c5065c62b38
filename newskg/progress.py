"""How a batch shows its progress on stderr: a rich bar on a terminal, a plain line every half
minute in a log (CI, nohup), so stdout stays free for data and a long run is never silent."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from newskg.ingest import FileOutcome


class _Rates:
    def __init__(self) -> None:
        self.files = self.todo = self.done = self.failed = 0
        self.todo_bytes = self.done_bytes = 0
        self.where = ""
        self.t0 = time.monotonic()

    def planned(self, files: int, todo_files: int, todo_bytes: int, workers: int, where: str) -> None:
        self.files, self.todo, self.todo_bytes = files, todo_files, todo_bytes
        self.where = f"{workers} {'Dask worker thread' if where == 'dask' else 'worker'}" + ("s" if workers != 1 else "")
        if where == "inline":
            self.where = "in process"
        self.t0 = time.monotonic()

    def count(self, out: FileOutcome) -> None:
        if not self.todo:  # planning: unchanged and unreadable files, no NLP
            self.failed += out.status == "failed"
            return
        self.done += 1
        self.done_bytes += out.size
        self.failed += out.status == "failed"

    def rates(self) -> str:
        el = max(time.monotonic() - self.t0, 1e-6)
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"{self.done}/{self.todo} files, {self.done / el:.1f} files/s, "
                f"{self.done_bytes / 1024 / el:.0f} KB/s{failed}")

    def line(self) -> str:
        return f"extracting {self.rates()} ({self.where})"


class PlainProgress(_Rates):
    """One line every `every` seconds, and none for a run shorter than that."""

    def __init__(self, stream: TextIO | None = None, every: float = 30.0):
        super().__init__()
        self.stream = stream or sys.stderr
        self.every = every
        self.next = time.monotonic() + every

    def file_done(self, out: FileOutcome) -> None:
        self.count(out)
        if self.todo and time.monotonic() >= self.next:
            self.next = time.monotonic() + self.every
            print(f"[newskg] {self.line()}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress(_Rates):
    """A bar over the bytes to extract (so the time left is honest), with files/s and KB/s."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("extracting"), BarColumn(bar_width=24), TextColumn("{task.fields[status]}"),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = None

    def planned(self, files: int, todo_files: int, todo_bytes: int, workers: int, where: str) -> None:
        super().planned(files, todo_files, todo_bytes, workers, where)
        self.bar.start()
        self.task = self.bar.add_task("extract", total=max(todo_bytes, 1), status=f"starting {self.where}")

    def file_done(self, out: FileOutcome) -> None:
        self.count(out)
        if self.task is not None:
            self.bar.update(self.task, advance=out.size, status=self.rates())

    def close(self) -> None:
        if self.task is not None:
            self.bar.stop()
            self.task = None


def for_stderr() -> PlainProgress | RichProgress:
    return RichProgress() if sys.stderr.isatty() else PlainProgress()
