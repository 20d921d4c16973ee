"""The layers of docs/ARCHITECTURE.md hold, and the contracts that hold them can fail:
an upward import, an adapter reaching into a stage, or a cycle breaks `lint-imports`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "connectors", "action", "prompts")
MAX_MODULE_LINES = 320  # "about 300": one concern per module


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(lint), "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and their contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{statement}  # noqa\n")


def test_the_repository_keeps_every_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_copy_keeps_them_too(tree):
    assert lint_imports(tree).returncode == 0


@pytest.mark.parametrize(
    ("module", "statement", "contract"),
    [
        ("bot.core.errors", "import bot.app.web",
         "Entry points over wiring over the pipeline over its stages over the core BROKEN"),
        ("bot.stages.reproduce.suite", "import bot.pipeline",
         "Entry points over wiring over the pipeline over its stages over the core BROKEN"),
        ("connectors.git", "import bot.stages.reproduce.suite",
         "Adapters import only the core BROKEN"),
        ("bot.stages.validate.verdict", "import connectors.git",
         "The core, the stages and the pipeline import no adapter BROKEN"),
        ("connectors.ai.retry", "import connectors.sandbox.output",
         "Adapters are independent of each other BROKEN"),
        ("bot.stages.ingest.junit", "import bot.stages.ingest.artifacts",
         "No import cycles between the modules or packages of one package BROKEN"),
    ],
)
def test_a_broken_rule_is_reported(tree, module, statement, contract):
    add_import(tree, module, statement)
    done = lint_imports(tree)
    assert done.returncode != 0
    assert contract in done.stdout, done.stdout


def test_no_module_is_much_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules by concern: {long}"
