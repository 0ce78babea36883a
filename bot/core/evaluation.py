"""Measures the matcher on labelled questions: answered correctly, found, declined, confidently wrong."""

from collections import Counter
from dataclasses import dataclass, field

from .replies import ANSWERED, Responder

# Lower edges of the score bands the calibration table reports: how often an answer in each band was right.
SCORE_BANDS = (90, 80, 70, 60, 0)


@dataclass
class Evaluation:
    in_scope: int = 0
    out_of_scope: int = 0
    answered_correctly: int = 0
    found: int = 0
    declined: int = 0
    confidently_wrong: int = 0
    misses: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    # (expected entry or "out-of-scope", what happened: an entry answered, "suggest" or "unknown") -> lines.
    confusion: Counter = field(default_factory=Counter)
    # (score, whether right) of every answered line, for the calibration table.
    answered: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.in_scope + self.out_of_scope

    def figures(self) -> list[tuple[str, int, int]]:
        return [
            ("answered correctly", self.answered_correctly, self.in_scope),
            ("found (answer or suggestion)", self.found, self.in_scope),
            ("out-of-scope declined", self.declined, self.out_of_scope),
            ("confidently wrong", self.confidently_wrong, self.total),
        ]

    def as_json(self) -> dict:
        return {
            "lines": self.total,
            **{name.split(" (")[0].replace(" ", "_").replace("-", "_"): {
                "count": count, "of": whole, "percent": percent(count, whole)}
               for name, count, whole in self.figures()},
            "misses_by_entry": dict(self.misses.most_common()),
            "per_entry": self.per_entry(),
            "confused_pairs": [{"expected": expected, "answered": got, "lines": count}
                               for (expected, got), count in self.confusion.most_common()
                               if got not in (expected, "suggest", "unknown")],
            "calibration": self.calibration(),
            "failures": self.failures,
        }

    def calibration(self) -> list[dict]:
        """For each score band, how many lines were answered with a score in it and how many of those were right."""
        rows, upper = [], None
        for lower in SCORE_BANDS:
            inside = [right for score, right in self.answered if score >= lower and (upper is None or score < upper)]
            rows.append({"from": lower, "to": upper or 100, "answered": len(inside), "right": sum(inside),
                         "percent": percent(sum(inside), len(inside))})
            upper = lower
        return rows


    def per_entry(self) -> dict[str, dict[str, int]]:
        """For each expected entry (and out-of-scope lines): how its lines ended, by outcome."""
        table: dict[str, dict[str, int]] = {}
        for (expected, got), count in sorted(self.confusion.items()):
            table.setdefault(expected, {})[got] = count
        return table


def percent(count: int, whole: int) -> float:
    return round(100.0 * count / whole, 1) if whole else 0.0


def evaluate(responder: Responder, cases: list[dict]) -> Evaluation:
    """`cases` are {"q": question, "expect": entry id or None}."""
    result = Evaluation()
    for case in cases:
        reply = responder.reply_to(case["q"])
        expected = case.get("expect")
        answered_id = reply.entry.id if reply.status == ANSWERED and reply.entry else None
        # Found: answered, suggested, or offered beside an answer as nearly as close.
        offered = {match.entry.id for match in reply.suggestions} | {entry.id for entry in reply.alternatives} | \
            {answered_id}
        if expected is None:
            result.out_of_scope += 1
            result.declined += answered_id is None
            wrong = answered_id is not None
        else:
            result.in_scope += 1
            result.answered_correctly += answered_id == expected
            result.found += expected in offered
            wrong = answered_id is not None and answered_id != expected
            if answered_id != expected:
                result.misses[expected] += 1
        result.confidently_wrong += wrong
        if answered_id is not None:
            result.answered.append((reply.score, answered_id == expected))
        result.confusion[(expected or "out-of-scope", answered_id or str(reply.status))] += 1
        if wrong or (expected is not None and answered_id != expected):
            result.failures.append({"q": case["q"], "expect": expected, "status": reply.status,
                                    "got": answered_id or [match.entry.id for match in reply.suggestions],
                                    "score": reply.score})
    return result
