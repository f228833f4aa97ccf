"""Measuring intent approaches on labelled texts: loading, a fixed held-out split, precision/recall.

Used by scripts/intent_eval.py, the corpus test and the bench. The texts are read from where
the user keeps them and never copied: the public SMS corpora that stand in for social-
engineering messages may be used but not re-published.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lurewatch.enrich.intent.features import normalize
from lurewatch.enrich.intent.model import label_of, labelled_rows

__all__ = ["CORPUS_FILES", "Sample", "Score", "load_corpus", "score", "split"]

# The files read from the text folder ($LUREWATCH_DATA/text), when present.
CORPUS_FILES = ("SMSSpamCollection", "smishing_5971.csv")
SEED = 1955
TEST_FRACTION = 0.3


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    label: bool  # True: spam, smishing, phishing (the stand-in for social engineering)
    kind: str  # the label as the corpus wrote it, lower case (ham, spam, smishing)
    source: str  # the file it came from


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def load_corpus(folder: Path, files: Iterable[str] = CORPUS_FILES) -> list[Sample]:
    """Every labelled text of the files present in `folder`, each distinct text once.

    The smishing set re-labels much of the SMS collection, so the same text appears in both:
    it is kept once, and a text labelled both ways is dropped rather than guessed.
    """
    by_text: dict[str, Sample] = {}
    conflicted: set[str] = set()
    for name in files:
        path = folder / name
        if not path.is_file():
            continue
        content = path.read_bytes().decode("utf-8", errors="replace")
        for raw, text in labelled_rows(content):
            label = label_of(raw)
            key = normalize(text)
            if label is None or not key:
                continue
            known = by_text.get(key)
            if known is None:
                by_text[key] = Sample(text.strip(), label, raw.strip().lower(), name)
            elif known.label != label:
                conflicted.add(key)
    return [s for k, s in by_text.items() if k not in conflicted]


def split(
    samples: Sequence[Sample], seed: int = SEED, test_fraction: float = TEST_FRACTION
) -> tuple[list[Sample], list[Sample]]:
    """A stratified train/test split that is the same on every run for the same input."""
    rng = random.Random(seed)
    train: list[Sample] = []
    test: list[Sample] = []
    for label in (True, False):
        group = sorted((s for s in samples if s.label == label), key=lambda s: s.text)
        rng.shuffle(group)
        cut = round(len(group) * test_fraction)
        test += group[:cut]
        train += group[cut:]
    return train, test


def score(samples: Sequence[Sample], predict: Callable[[str], bool]) -> Score:
    tp = fp = fn = tn = 0
    for s in samples:
        p = predict(s.text)
        if p and s.label:
            tp += 1
        elif p:
            fp += 1
        elif s.label:
            fn += 1
        else:
            tn += 1
    return Score(tp, fp, fn, tn)
