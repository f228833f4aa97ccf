"""Classifying one message: the rules always, the statistical model when one was trained.

The rules decide the categories and carry the evidence; the model, when configured, adds its
probability and the words behind it, and can flag a message no rule explains (reported as
such, at lower confidence). One classifier is built per run and per settings.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.enrich.intent.features import normalize
from lurewatch.enrich.intent.model import LinearTextModel, load_labelled, train_model
from lurewatch.enrich.intent.rules import CATEGORIES, RuleSet, default_rules
from lurewatch.enrich.intent.verdict import Verdict

__all__ = ["IntentClassifier"]


class IntentClassifier:
    def __init__(
        self, rules: RuleSet, model: LinearTextModel | None = None, model_threshold: float = 0.9
    ) -> None:
        self.rules = rules
        self.model = model
        self.model_threshold = model_threshold

    @classmethod
    def from_settings(cls, settings: Settings) -> IntentClassifier:
        chat = settings.chat
        stamps = tuple((p, _mtime(p)) for p in chat.intent_training)
        return _cached(chat.intent_rules_file, stamps, chat.intent_model_threshold)

    def classify(self, text: str) -> Verdict:
        normalized = normalize(text)
        if not normalized:
            return Verdict()
        evidence = self.rules.match(normalized, text)
        scores: dict[str, float] = defaultdict(float)
        counted: set[str] = set()
        for ev in evidence:
            if ev.rule not in counted:  # a rule counts once, however often it matched
                counted.add(ev.rule)
                scores[ev.category] += ev.weight
        present = tuple(c for c in CATEGORIES if scores.get(c, 0.0) >= 1.0 - 1e-9)
        kept = tuple(
            sorted((e for e in evidence if e.category in present), key=lambda e: -e.weight)
        )
        score: float | None = None
        terms: tuple[str, ...] = ()
        if self.model is not None:
            score, terms = self.model.score(normalized)
        return Verdict(
            evidence=kept,
            categories=present,
            model_score=score,
            model_terms=terms,
            model_flagged=score is not None and score >= self.model_threshold,
            scores=dict(scores),
        )


def _mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return -1.0  # load_labelled reports the unreadable file


@lru_cache(maxsize=4)
def _cached(
    rules_file: str, training: tuple[tuple[str, float], ...], threshold: float
) -> IntentClassifier:
    model = None
    if training:
        texts: list[str] = []
        labels: list[bool] = []
        for path, _ in training:
            t, lab, _skipped = load_labelled(path)
            texts += t
            labels += lab
        model = train_model(texts, labels)
    return IntentClassifier(default_rules(rules_file), model, threshold)
