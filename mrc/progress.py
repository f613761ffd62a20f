"""Progress of long commands, on a terminal and in a log.

click's progress bar draws itself on a terminal only: written to a file or a pipe (a command
run by cron, systemd, ``nohup`` or a deployment script), it prints its label once and nothing
more, so that a rebuild of a national database's search keys says nothing for a quarter of an
hour. ``progressbar`` keeps click's bar on a terminal and writes a line at each tenth of the
work elsewhere.
"""

import sys
import time
from collections.abc import Callable, Iterable

import click


def progressbar(iterable: Iterable | None = None, *, length: int | None = None, label: str):
    """``click.progressbar(iterable, length=length, label=label)`` on a terminal; elsewhere a
    ``LoggedProgress`` with the same use: a context manager to iterate over or ``update``."""
    if sys.stdout is not None and sys.stdout.isatty():  # where click draws its bar
        return click.progressbar(iterable, length=length, label=label)
    return LoggedProgress(iterable, length=length, label=label)


def advancing(bar) -> Callable[[int], None]:
    """A ``progress(done)`` callback, for work that reports how much is done so far, that
    moves ``bar`` (which counts steps) on by what was done since the last call."""
    shown = 0

    def advance(done: int) -> None:
        nonlocal shown
        bar.update(done - shown)
        shown = done

    return advance


class LoggedProgress:
    """Progress written as lines: "Clients: 100,000 of 1,000,000 (10%), 41 s", each time the
    work passes another tenth, and a last line when it ends with the tenth not reached (the
    work was longer or shorter than announced)."""

    STEPS = 10

    def __init__(self, iterable: Iterable | None = None, *, length: int | None = None,
                 label: str):
        if length is None:
            length = len(iterable)  # type: ignore[arg-type]
        self.iterable = iterable
        self.length = length
        self.label = label
        self.done = 0
        self._shown = 0  # the amount done when the last line was written
        self._started = time.monotonic()

    def __enter__(self) -> "LoggedProgress":
        self._started = time.monotonic()
        click.echo(f"{self.label}: {self.length:,d} to do")
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None and self.done != self._shown:
            self._write()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, steps: int) -> None:
        self.done += steps
        if self._step(self.done) > self._step(self._shown):
            self._write()

    def _step(self, done: int) -> int:
        if self.length <= 0:
            return self.STEPS
        return min(done * self.STEPS // self.length, self.STEPS)

    def _write(self) -> None:
        share = 100 if self.length <= 0 else min(100, self.done * 100 // self.length)
        elapsed = time.monotonic() - self._started
        click.echo(f"{self.label}: {self.done:,d} of {self.length:,d} ({share}%), "
                   f"{elapsed:,.0f} s")
        self._shown = self.done
