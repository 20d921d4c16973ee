"""How the container image starts: `redfix serve` by default, the Action in a workflow step.

The image's ENTRYPOINT runs this module and its CMD is the serve command. A
workflow step that uses the image (`uses: docker://IMAGE`) runs it with no
command of its own and GITHUB_ACTIONS=true: then the Action's entry point runs
instead of the service. Any other command (`redfix --version`, `redfix worker`)
runs as given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

SERVE_COMMAND = ("redfix", "serve", "--host", "0.0.0.0", "--port", "8000")  # noqa: S104
ACTION_COMMAND = (sys.executable, "-P", "-m", "action")  # -P: the workspace never shadows redfix


def command_for(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    in_workflow_step = env.get("GITHUB_ACTIONS") == "true" and bool(env.get("GITHUB_ACTION"))
    if in_workflow_step and tuple(argv) in ((), SERVE_COMMAND):
        return list(ACTION_COMMAND)
    return list(argv) or list(SERVE_COMMAND)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    command = command_for(sys.argv[1:] if argv is None else argv, os.environ)
    try:
        os.execvp(command[0], command)  # noqa: S606  (the image's own entry point)
    except OSError as exc:
        print(f"redfix: cannot run {command[0]!r}: {exc.strerror}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main()
