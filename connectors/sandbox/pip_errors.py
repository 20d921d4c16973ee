"""Which packages pip could not install, read from its output, to name them in the error.

pip's own words (pip 20 to 24): "No matching distribution found for X", "Could not
find a version that satisfies the requirement X", "Failed building wheel for X",
"ERROR: Cannot install X and Y because these package versions have conflicting
dependencies".
"""

from __future__ import annotations

import re

_NAMED = (
    (re.compile(r"No matching distribution found for (\S+)"), "no release of it for this Python"),
    (re.compile(r"Could not find a version that satisfies the requirement (\S+)"),
     "no release of it for this Python"),
    (re.compile(r"Failed building wheel for (\S+)"), "it did not build"),
    (re.compile(r"Failed to build (\S+)"), "it did not build"),
)
_CONFLICT = re.compile(r"Cannot install (.+?) because these package versions have conflicting")


def pip_failures(output: str) -> list[str]:
    """One line per package pip could not install, e.g. `lxml==4.2.1 (it did not build)`."""
    found: dict[str, str] = {}
    for pattern, why in _NAMED:
        for match in pattern.finditer(output):
            found.setdefault(match.group(1).rstrip(".,"), why)
    conflict = _CONFLICT.search(output)
    if conflict:
        found.setdefault(conflict.group(1), "their pinned versions conflict")
    return [f"{package} ({why})" for package, why in found.items()]
