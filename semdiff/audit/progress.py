"""Audit progress for people: a rich bar on a terminal, plain periodic lines in CI logs.

Both say commits done, commits per second and the time left; the plain form writes one line
every `interval` seconds (and a last one), so a CI log stays short and readable.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional, TextIO


def _eta(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


class PlainProgress:
    def __init__(self, total: int, stream: TextIO, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.flagged = 0
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._last = self._start

    def line(self) -> str:
        elapsed = max(self._clock() - self._start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"semdiff audit: {self.done}/{self.total} commits, {rate:.2f} commits/s,"
                f" ETA {_eta(left)}, {self.flagged} flagged")

    def advance(self, flagged: bool) -> None:
        self.done += 1
        self.flagged += int(flagged)
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            print(self.line(), file=self._stream, flush=True)

    def close(self) -> None:
        print(self.line(), file=self._stream, flush=True)


class RichProgress:
    def __init__(self, total: int, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._flagged = 0
        self._progress = Progress(
            TextColumn("[bold]audit"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rate]} commits/s"),
            TextColumn("flagged {task.fields[flagged]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(file=stream), transient=False,
        )
        self._task = self._progress.add_task("audit", total=total, rate="-", flagged=0)
        self._start = time.monotonic()
        self._done = 0
        self._progress.start()

    def advance(self, flagged: bool) -> None:
        self._done += 1
        self._flagged += int(flagged)
        rate = self._done / max(time.monotonic() - self._start, 1e-9)
        self._progress.update(self._task, advance=1, rate=f"{rate:.2f}", flagged=self._flagged)

    def close(self) -> None:
        self._progress.stop()


def progress_for(total: int, stream: TextIO, interval: float = 10.0, quiet: bool = False) -> Optional[Any]:
    if quiet:
        return None
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return RichProgress(total, stream)
    return PlainProgress(total, stream, interval)
