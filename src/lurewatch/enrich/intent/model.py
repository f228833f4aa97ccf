"""An optional statistical intent model: TF-IDF words and word pairs, logistic regression.

Trained with scikit-learn at run time from texts the organization labels itself (see
`load_labelled`); nothing trained is shipped, because the public corpora that would make a
good model may not be redistributed. After training, the model is kept as plain weights and
scored here in pure Python, which is faster per message than calling scikit-learn one text at a
time, works without scikit-learn once trained, and explains each score by the words that
pushed it up most.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lurewatch.enrich.intent.features import normalize, tokens
from lurewatch.errors import ConfigError

__all__ = ["LinearTextModel", "label_of", "labelled_rows", "load_labelled", "train_model"]

POSITIVE = frozenset(
    {"spam", "smishing", "phish", "phishing", "scam", "fraud", "malicious", "1", "true", "yes"}
)
NEGATIVE = frozenset(
    {"ham", "benign", "legit", "legitimate", "normal", "clean", "0", "false", "no"}
)


@dataclass(frozen=True)
class LinearTextModel:
    """weights[term] = (coefficient, idf); the score of a text is the logistic of the
    intercept plus the coefficients times the L2-normalized sublinear TF-IDF of its terms."""

    weights: dict[str, tuple[float, float]]
    intercept: float
    bigrams: bool = True

    def terms(self, normalized: str) -> Counter[str]:
        words = tokens(normalized)
        found = Counter(words)
        if self.bigrams:
            found.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        return found

    def score(self, normalized: str, explain: int = 3) -> tuple[float, tuple[str, ...]]:
        """Probability that the text is a social-engineering request, and its top terms."""
        parts: list[tuple[float, str]] = []
        norm = 0.0
        for term, count in self.terms(normalized).items():
            known = self.weights.get(term)
            if known is None:
                continue
            coef, idf = known
            x = (1.0 + math.log(count)) * idf
            norm += x * x
            parts.append((coef * x, term))
        if not parts:
            return _sigmoid(self.intercept), ()
        scale = 1.0 / math.sqrt(norm)
        logit = self.intercept + scale * sum(c for c, _ in parts)
        top = sorted((p for p in parts if p[0] > 0), reverse=True)[:explain]
        return _sigmoid(logit), tuple(t for _, t in top)


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def train_model(texts: Sequence[str], labels: Sequence[bool], c: float = 10.0) -> LinearTextModel:
    """Fit the model on raw texts and labels (True = social engineering). Needs scikit-learn."""
    try:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ConfigError(
            "training the intent model needs scikit-learn: pip install scikit-learn"
        ) from None
    if len(set(labels)) < 2:
        raise ConfigError("the intent model needs both positive and negative examples to learn")
    vec = TfidfVectorizer(
        lowercase=False,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float64,
    )
    x = vec.fit_transform([normalize(t) for t in texts])
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, [bool(v) for v in labels])
    coef = clf.coef_[0]
    idf = vec.idf_
    # Every term is kept, even with a zero coefficient: it still counts in the L2 norm.
    weights = {term: (float(coef[i]), float(idf[i])) for term, i in vec.vocabulary_.items()}
    return LinearTextModel(weights, float(clf.intercept_[0]))


def label_of(raw: str) -> bool | None:
    v = raw.strip().lower()
    return True if v in POSITIVE else False if v in NEGATIVE else None


def labelled_rows(text: str) -> Iterable[tuple[str, str]]:
    """(label, text) pairs of a labelled file's content, TSV or CSV with a header."""
    first = text.split("\n", 1)[0]
    if "\t" in first:
        for line in text.splitlines():
            label, sep, body = line.partition("\t")
            if sep:
                yield label, body
        return
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    try:
        li, ti = header.index("label"), header.index("text")
    except ValueError:
        raise ConfigError("a labelled CSV needs a header with 'label' and 'text' columns") from None
    for row in reader:
        if len(row) > max(li, ti):
            yield row[li], row[ti]


def load_labelled(path: str | Path) -> tuple[list[str], list[bool], int]:
    """Texts and labels from a file: `label<TAB>text` lines, or CSV with label and text columns.

    Labels spam, smishing, phishing, scam, fraud, malicious, 1, true are positive; ham, benign,
    legitimate, normal, 0, false negative. Returns texts, labels and the number of rows skipped
    for an unknown label.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read labelled texts {path}: {exc.strerror or exc}") from None
    texts: list[str] = []
    labels: list[bool] = []
    skipped = 0
    for raw_label, body in labelled_rows(text):
        label = label_of(raw_label)
        if label is None or not body.strip():
            skipped += 1
            continue
        texts.append(body)
        labels.append(label)
    return texts, labels, skipped


def model_summary(model: LinearTextModel, top: int = 10) -> dict[str, Any]:
    """The strongest terms each way: what the model learned, for people to check."""
    ranked = sorted(model.weights.items(), key=lambda kv: kv[1][0])
    return {
        "terms": len(model.weights),
        "toward_request": [t for t, _ in reversed(ranked[-top:])],
        "toward_benign": [t for t, _ in ranked[:top]],
    }
