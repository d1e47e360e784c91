"""The figures of an evaluation run: accuracy, counts per class, latency percentiles and tokens."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from chat.evaluation.runner import CORRECT, ERROR, REFUSED, WRONG, Outcome


def percentile(values: list[int], fraction: float) -> int:
    """The nearest-rank percentile of `values` (0 when there are none)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Report:
    """Summary figures of a list of outcomes."""

    outcomes: list[Outcome]

    def count(self, kind: str, outcomes: list[Outcome] | None = None) -> int:
        return sum(1 for o in (self.outcomes if outcomes is None else outcomes) if o.outcome == kind)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def supported(self) -> list[Outcome]:
        """The questions marked as in a shape offline mode claims."""
        return [o for o in self.outcomes if o.supported]

    @property
    def accuracy(self) -> float:
        return self.count(CORRECT) / self.total if self.total else 0.0

    @property
    def supported_accuracy(self) -> float | None:
        supported = self.supported
        return self.count(CORRECT, supported) / len(supported) if supported else None

    def figures(self) -> dict:
        latencies = [o.latency_ms for o in self.outcomes]
        return {
            "questions": self.total,
            "correct": self.count(CORRECT),
            "accuracy": round(self.accuracy, 4),
            "wrong": self.count(WRONG),
            "refused": self.count(REFUSED),
            "errors": self.count(ERROR),
            "supported_questions": len(self.supported),
            "supported_correct": self.count(CORRECT, self.supported),
            "supported_accuracy": None if self.supported_accuracy is None else round(self.supported_accuracy, 4),
            "latency_ms_p50": percentile(latencies, 0.5),
            "latency_ms_p95": percentile(latencies, 0.95),
            "prompt_tokens": sum(o.prompt_tokens for o in self.outcomes),
            "completion_tokens": sum(o.completion_tokens for o in self.outcomes),
        }

    def table(self, *, title: str) -> str:
        """The figures as a small text table."""
        f = self.figures()
        rows = [
            ("questions", f"{f['questions']}"),
            ("accuracy", f"{f['accuracy']:.1%}  ({f['correct']} correct)"),
            ("wrong", f"{f['wrong']}"),
            ("refused", f"{f['refused']}"),
            ("errors", f"{f['errors']}"),
        ]
        if f["supported_questions"]:
            rows.append(
                (
                    "supported shapes",
                    f"{f['supported_accuracy']:.1%}  ({f['supported_correct']} of {f['supported_questions']})",
                )
            )
        rows += [
            ("latency p50 / p95", f"{f['latency_ms_p50']} ms / {f['latency_ms_p95']} ms"),
            ("tokens", f"{f['prompt_tokens']} prompt + {f['completion_tokens']} completion"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [title, "-" * max(len(title), width + 20)]
        lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
        return "\n".join(lines)

    def write_json(self, path: Path | str, *, meta: dict) -> None:
        """Every question's outcome and the figures, as one JSON document."""
        document = {**meta, "figures": self.figures(), "outcomes": [o.as_dict() for o in self.outcomes]}
        Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
