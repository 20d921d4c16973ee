"""How `redfix localize` shows its result: a table for people, JSON for programs."""

from __future__ import annotations

from typing import Any

from bot.core.results import CodeSpan
from bot.stages.localize.knowledge.localization_report import LocalizationReport
from bot.stages.localize.knowledge.packing import span_tokens


def _location(span: CodeSpan) -> str:
    return f"{span.path}:{span.start}-{span.end}"


def report_to_json(report: LocalizationReport) -> dict[str, Any]:
    packed = {(s.path, s.start) for s in report.packed}
    return {
        "snapshot": report.snapshot,
        "confidence": report.confidence,
        "shown": [
            {"path": s.path, "start": s.start, "end": s.end, "symbol": s.symbol,
             "score": s.score, "why": list(s.why), "tokens": span_tokens(s)}
            for s in report.packed
        ],
        "ranked": [
            {"path": r.span.path, "start": r.span.start, "end": r.span.end,
             "symbol": r.span.symbol, "score": round(r.fused.score, 6),
             "signals": dict(sorted(r.fused.ranks.items(), key=lambda item: item[1])),
             "shown": (r.span.path, r.span.start) in packed}
            for r in report.ranked
        ],
        "notes": list(report.notes),
        "seconds": {name: round(value, 4) for name, value in report.seconds.items()},
    }


def report_to_text(report: LocalizationReport) -> str:
    tokens = sum(span_tokens(s) for s in report.packed)
    lines = [
        f"confidence {report.confidence:.2f}; {len(report.packed)} span(s), "
        f"~{tokens} tokens, shown to the model in this order:",
    ]
    for number, span in enumerate(report.packed, start=1):
        symbol = f" {span.symbol}" if span.symbol else ""
        lines.append(f"{number:3d}. {span.score:8.4f}  {_location(span)}{symbol}")
        lines.append(f"     {', '.join(span.why)}")
    unshown = [r for r in report.ranked if (r.span.path, r.span.start)
               not in {(s.path, s.start) for s in report.packed}][:5]
    if unshown:
        lines.append("next suspects, left out by the token budget:")
        lines.extend(f"     {r.fused.score:8.4f}  {_location(r.span)} {r.span.symbol}"
                     for r in unshown)
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
