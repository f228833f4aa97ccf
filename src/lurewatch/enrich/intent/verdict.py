"""The verdict on one message, and its evidence written as `message.snippets`.

A snippet reads `category/rule: matched words` ("credentials/credentials.ask-secret: send me
your password"), or `category/rule` alone when the retention policy drops text. The model's
opinion, when a model is configured, is one more snippet: `model/0.93: claim, prize, call`.
Detections read these snippets back, so they fire the same whether the message text was kept,
cut down to the evidence, or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lurewatch.enrich.intent.rules import REQUEST_CATEGORIES, Evidence

__all__ = ["MODEL", "Verdict", "parse_snippet"]

MODEL = "model"


@dataclass(frozen=True)
class Verdict:
    evidence: tuple[Evidence, ...] = ()  # of the categories present, strongest first
    categories: tuple[str, ...] = ()  # categories whose weights reached 1, in catalogue order
    model_score: float | None = None  # probability from the statistical model, when configured
    model_terms: tuple[str, ...] = ()  # the words that pushed the model's score up most
    model_flagged: bool = False  # the score reached chat.intent_model_threshold
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def requests(self) -> tuple[str, ...]:
        """What the message asks for: credentials, mfa, payment, sensitive."""
        return tuple(c for c in self.categories if c in REQUEST_CATEGORIES)

    @property
    def pressure(self) -> bool:
        return "pressure" in self.categories

    @property
    def flagged(self) -> bool:
        return bool(self.requests) or self.model_flagged

    def snippets(self, keep_text: bool) -> list[str]:
        out = []
        for ev in self.evidence:
            head = f"{ev.category}/{ev.rule}"
            out.append(f"{head}: {ev.text}" if keep_text and ev.text else head)
        if self.model_flagged and self.model_score is not None:
            head = f"{MODEL}/{self.model_score:.2f}"
            terms = ", ".join(self.model_terms)
            out.append(f"{head}: {terms}" if keep_text and terms else head)
        return out


def parse_snippet(snippet: str) -> tuple[str, str, str | None]:
    """(category, rule or model score, matched words or None) of one stored snippet."""
    head, sep, text = snippet.partition(": ")
    category, _, rule = head.partition("/")
    return category, rule, (text if sep else None)
