"""In-process fakes of redfix's ports, for tests of the pipeline and of code built on it.

`ScriptedConnector` answers chat completions from a script; `ScriptedSandbox` answers
test runs from a script, with `junit_outcome` building the pytest report a run returns.
Both record what they were asked, and raise ScriptExhausted when asked past their script.
They import only bot.core, so any test may use them without Docker or a model server.
"""

from bot.testing.connector import Answer, ConnectorCall, ScriptedConnector
from bot.testing.junit import CaseResult, Result, case_key, junit_outcome, junit_xml, reported_as
from bot.testing.sandbox import RunScript, ScriptedSandbox
from bot.testing.script import ScriptExhausted

__all__ = [
    "Answer",
    "CaseResult",
    "ConnectorCall",
    "Result",
    "RunScript",
    "ScriptExhausted",
    "ScriptedConnector",
    "ScriptedSandbox",
    "case_key",
    "junit_outcome",
    "junit_xml",
    "reported_as",
]
