"""Accepted fixes as chat-format JSONL, for LoRA fine-tuning of the team's model.

One line per accepted fix: {"messages": [system, user (the failure), assistant
(the rationale and the accepted diff)]}, plus metadata fields a trainer ignores.
Secrets are redacted again on the way out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.core.records import FixRecord, FixState
from bot.core.redact import redact
from bot.stages.generate.prompting import render


def training_example(record: FixRecord, *, secrets: Sequence[str] = ()) -> dict[str, object]:
    def clean(text: str) -> str:
        return redact(text, known_secrets=secrets)

    user = render("finetune_user.j2", failure=clean(record.failure_text))
    answer = render("finetune_answer.j2", rationale=clean(record.rationale.strip()),
                    diff=clean(record.diff.rstrip()))
    return {
        "messages": [
            {"role": "system", "content": render("system.j2").strip()},
            {"role": "user", "content": user.strip()},
            {"role": "assistant", "content": answer.strip()},
        ],
        "repository": record.repository,
        # a negative number keys a verdict given with `redfix feedback`: no pull request
        "pull_request": record.pr_number if record.pr_number > 0 else None,
        "signature": record.signature,
        "score": round(record.score, 3),
        "model": record.model,
        "prompt_version": record.prompt_version,
    }


def export_lines(records: Iterable[FixRecord], *, min_score: float = 0.0,
                 repository: str = "", secrets: Sequence[str] = ()) -> list[str]:
    chosen = [r for r in records if r.state is FixState.ACCEPTED and r.score >= min_score
              and r.diff.strip() and (not repository or r.repository == repository)]
    return [json.dumps(training_example(r, secrets=secrets), ensure_ascii=False)
            for r in chosen]
