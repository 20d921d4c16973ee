"""The host's pytest, as tests run it in the local sandbox: without this suite's own plugins.

Loading them (schemathesis above all) costs about 3 s at every start, and an end-to-end
fix starts pytest dozens of times.
"""

from __future__ import annotations

import shlex

from bot.evaluation.runner import LOCAL_TEST_COMMAND

HOST_PYTEST: tuple[str, ...] = LOCAL_TEST_COMMAND
HOST_PYTEST_CMD = shlex.join(HOST_PYTEST)
