"""Long commands show their progress in a log too (mrc.progress): click's bar draws itself on a
terminal only, and printed nothing but its label to a file or a pipe."""

import re

import click
from click.testing import CliRunner

from mrc.progress import LoggedProgress, advancing, progressbar


def run(body) -> list[str]:
    """The lines a command printed that runs ``body`` (CliRunner's output is not a terminal)."""
    result = CliRunner().invoke(click.command()(body), catch_exceptions=False)
    return result.output.splitlines()


def shares(lines: list[str]) -> list[int]:
    return [int(match.group(1)) for line in lines if (match := re.search(r"\((\d+)%\)", line))]


def test_a_line_at_each_tenth_of_the_work():
    def body():
        with progressbar(length=1000, label="Clients") as bar:
            assert isinstance(bar, LoggedProgress)
            for _step in range(50):
                bar.update(20)

    lines = run(body)
    assert lines[0] == "Clients: 1,000 to do"
    assert shares(lines) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert re.fullmatch(r"Clients: 1,000 of 1,000 \(100%\), \d+ s", lines[-1])


def test_iterating_counts_each_item():
    seen = []

    def body():
        with progressbar(list(range(25)), label="Months") as bar:
            seen.extend(bar)

    lines = run(body)
    assert seen == list(range(25))
    # A line when each tenth is passed: after items 3, 5, 8, ...
    assert shares(lines) == [12, 20, 32, 40, 52, 60, 72, 80, 92, 100]
    assert lines[-1].startswith("Months: 25 of 25 (100%)")


def test_work_longer_or_shorter_than_announced_ends_with_what_was_done():
    def longer():
        with progressbar(length=10, label="Clients") as bar:
            bar.update(10)
            bar.update(2)  # registered while the command ran

    assert run(longer)[-2:][0].startswith("Clients: 10 of 10 (100%)")
    assert run(longer)[-1].startswith("Clients: 12 of 10 (100%)")

    def shorter():
        with progressbar(length=10, label="Clients") as bar:
            bar.update(4)

    assert run(shorter)[-1].startswith("Clients: 4 of 10 (40%)")


def test_nothing_to_do_says_so_once():
    def body():
        with progressbar([], label="Centre-months counted") as bar:
            list(bar)

    assert run(body) == ["Centre-months counted: 0 to do"]


def test_a_failure_writes_no_last_line():
    def body():
        try:
            with progressbar(length=100, label="Clients") as bar:
                bar.update(4)  # no tenth passed yet
                raise RuntimeError("database gone")
        except RuntimeError:
            click.echo("failed")

    assert run(body) == ["Clients: 100 to do", "failed"]


def test_work_that_reports_how_much_is_done_so_far_moves_the_bar_by_the_difference():
    def body():
        with progressbar(length=100, label="Clients") as bar:
            report = advancing(bar)
            for done in (30, 60, 100):
                report(done)
            assert bar.done == 100

    assert shares(run(body)) == [30, 60, 100]
