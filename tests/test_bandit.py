"""bandit finds nothing of medium or high severity in ``mrc/``.

A finding that is not a problem is justified where it is, as ``# nosec BXXX`` with the reason
on the line or the line above; everything else is fixed."""

import importlib.util
import json
import subprocess  # nosec B404: runs bandit, a fixed command
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mrc"


@pytest.mark.skipif(importlib.util.find_spec("bandit") is None,
                    reason="bandit is not installed (pip install -e '.[test]')")
def test_bandit_finds_nothing_of_medium_or_high_severity():
    completed = subprocess.run(  # nosec B603: our own interpreter, fixed arguments
        [sys.executable, "-m", "bandit", "-q", "-r", str(PACKAGE), "-ll", "-f", "json"],
        capture_output=True, text=True, check=False, timeout=300,
    )
    report = json.loads(completed.stdout)
    assert not report["errors"], report["errors"]
    findings = [
        f"{Path(issue['filename']).relative_to(PACKAGE.parent)}:{issue['line_number']} "
        f"{issue['test_id']} {issue['issue_severity']}: {issue['issue_text']}"
        for issue in report["results"]
        if issue["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    assert findings == [], "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really read the package
