"""`redfix tests --base REV` on a real change in a git repository, with a scripted model."""

from __future__ import annotations

import json
import subprocess

from bot.cli.main import main
from tests.e2e.conftest import MODEL
from tests.host_pytest import HOST_PYTEST_CMD

CHANGE = '''

def cheapest(prices_cents):
    """The lowest price, or None for an empty basket."""
    return min(prices_cents, default=None)
'''

GOOD = '''```python
from bookshop.pricing import cheapest


def test_cheapest_behaviour():
    assert cheapest([300, 120, 450]) == 120
    assert cheapest([]) is None
```'''

TIME_BASED = '''```python
import time
from bookshop.pricing import cheapest


def test_cheapest_behaviour():
    assert cheapest([int(time.time())]) > 0
```'''


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


def run(repo, model, tmp_path):
    out = tmp_path / "tests.json"
    code = main(["tests", "--repo", str(repo), "--base", "HEAD~1", "--connector", "openai",
                 "--base-url", model.base_url, "--model", MODEL, "--sandbox", "local",
                 "--test-cmd", HOST_PYTEST_CMD, "--json", str(out), "--quiet"],
                env={})
    return code, json.loads(out.read_text())


def test_a_test_for_a_change_is_kept_when_it_passes_every_run(bookshop, scripted_model, tmp_path):
    with (bookshop / "bookshop" / "pricing.py").open("a") as source:
        source.write(CHANGE)
    git(bookshop, "commit", "-qam", "add cheapest")
    scripted_model.script(TIME_BASED, GOOD)
    code, result = run(bookshop, scripted_model, tmp_path)
    assert code == 0
    first, second = result["tests"]
    assert "clock" in first["reason"] and not first["kept"]
    assert second["kept"] and second["path"] == "tests/test_pricing.py"
    assert "+def test_cheapest_behaviour():" in result["patch"]
    assert "+    return min(prices_cents, default=None)" in scripted_model.prompts()[0]
