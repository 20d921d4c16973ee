"""A scripted, in-process AIServiceConnector: answers from a list, every call recorded.

    connector = ScriptedConnector(["no idea", lambda messages: FIX])
    outcome = run_fix(request, Services(connector=connector, runner=sandbox))
    assert len(connector.calls) == 2 and connector.remaining == 0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.core.models import ChatMessage, Completion, GenerationOptions
from bot.core.ports import TokenCallback
from bot.testing.script import Script

# One answer: its text, a whole Completion (to script `cut`, token counts), or a function
# of the messages giving either; a function may also raise, as a server would
# (PromptTooLong, ModelServiceUnreachable).
Answer = str | Completion | Callable[[Sequence[ChatMessage]], str | Completion]
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class ConnectorCall:
    """One `complete()` call as the connector received it."""

    messages: tuple[ChatMessage, ...]
    model: str
    options: GenerationOptions

    @property
    def prompt(self) -> str:
        """The content of the last message: what this call asked."""
        return self.messages[-1].content if self.messages else ""


class ScriptedConnector:
    """AIServiceConnector whose `complete()` calls take the script's answers in order.

    Running out of script raises ScriptExhausted naming the call. Token counts of a text
    answer are estimated at CHARS_PER_TOKEN characters a token.
    """

    def __init__(
        self,
        answers: Iterable[Answer] = (),
        *,
        context_tokens: int | None = None,
        name: str = "scripted",
    ) -> None:
        self.name = name
        self.calls: list[ConnectorCall] = []
        self.ensured: list[str] = []
        self._script: Script[Answer] = Script(f"ScriptedConnector {name!r}", answers)
        self._context_tokens = context_tokens

    @property
    def remaining(self) -> int:
        """Answers not asked for yet."""
        return self._script.remaining

    def ensure_model(self, model: str) -> None:
        self.ensured.append(model)

    def context_tokens(self, model: str) -> int | None:
        return self._context_tokens

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        call = ConnectorCall(tuple(messages), model, options)
        self.calls.append(call)
        answer = self._script.take("complete()", detail=f"it asked: {call.prompt[:200]!r}")
        if callable(answer):
            answer = answer(call.messages)
        completion = answer if isinstance(answer, Completion) else _completion(answer, call)
        if on_token is not None:
            on_token(completion.text)
        return completion


def _completion(text: str, call: ConnectorCall) -> Completion:
    prompt_chars = sum(len(message.content) for message in call.messages)
    return Completion(
        text=text,
        model=call.model,
        prompt_tokens=prompt_chars // CHARS_PER_TOKEN,
        completion_tokens=len(text) // CHARS_PER_TOKEN,
    )
