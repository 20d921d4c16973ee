"""The packages pip could not install, named from its own output."""

from __future__ import annotations

from connectors.sandbox.pip_errors import pip_failures

NO_RELEASE = (
    "Collecting requests-async==0.5.0 (from -r requirements.txt (line 40))\n"
    "ERROR: Could not find a version that satisfies the requirement requests-async==0.5.0 "
    "(from versions: 0.0.1, 0.1.0)\n"
    "ERROR: No matching distribution found for requests-async==0.5.0\n"
)
BUILD_FAILED = """Building wheel for lxml (setup.py) ... error
  ERROR: Failed building wheel for lxml
  Running setup.py clean for lxml
Failed to build lxml
ERROR: Could not build wheels for lxml, which is required to install pyproject.toml-based projects
"""
CONFLICT = (
    "ERROR: Cannot install flask==1.1.2 and werkzeug==0.14 because these package versions "
    "have conflicting dependencies.\n"
    "ERROR: ResolutionImpossible: for help visit "
    "https://pip.pypa.io/en/latest/topics/dependency-resolution/\n"
)


def test_a_pin_without_a_release_is_named_once() -> None:
    assert pip_failures(NO_RELEASE) == ["requests-async==0.5.0 (no release of it for this Python)"]


def test_a_package_that_did_not_build_is_named_once() -> None:
    assert pip_failures(BUILD_FAILED) == ["lxml (it did not build)"]


def test_conflicting_pins_are_named_together() -> None:
    assert pip_failures(CONFLICT) == [
        "flask==1.1.2 and werkzeug==0.14 (their pinned versions conflict)"
    ]


def test_output_that_names_no_package_gives_none() -> None:
    assert pip_failures("cannot-install\nexit 7\n") == []
