"""Precision and recall of the chat intent approaches on real SMS texts, on a fixed held-out split.

    python scripts/intent_eval.py [--data DIR] [--json] [--misses N]

The texts ($LUREWATCH_DATA/text, else ../shared/data/text: the UCI SMS Spam Collection and the
smishing set) stand in for social-engineering chat: spam and smishing are positive, ham
negative. Each distinct text is kept once, and 30% of each class is held out with a fixed
seed. Approaches:

- rules: the transparent rules; positive when a request category (credentials, mfa, payment,
  sensitive) is present. rules+pressure: any category, pressure alone included.
- model: TF-IDF + logistic regression trained at run time on the training split (needs
  scikit-learn), at the default threshold 0.5 and at chat.intent_model_threshold's default.
- rules|model: what ingest does with a model configured: rules, or the model above threshold.
- synthetic: the same model trained only on demo.chat_gen's generated texts (what could be
  shipped without the corpora), alone and with the rules.

Figures are printed for the whole held-out split and for smishing only (smishing vs ham),
the closer stand-in for messages that ask for something. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lurewatch.config_channels import Chat
from lurewatch.demo.chat_gen import synthetic_labelled
from lurewatch.enrich.intent import IntentClassifier
from lurewatch.enrich.intent.evaluation import Sample, load_corpus, score, split
from lurewatch.enrich.intent.features import normalize
from lurewatch.enrich.intent.model import LinearTextModel, train_model
from lurewatch.enrich.intent.rules import default_rules

REPO = Path(__file__).resolve().parent.parent
Predict = Callable[[str], bool]


def data_folder(given: str | None) -> Path:
    if given:
        return Path(given)
    env = os.environ.get("LUREWATCH_DATA")
    return (Path(env) if env else REPO.parent / "shared" / "data") / "text"


def approaches(train: list[Sample]) -> dict[str, Predict]:
    rules = IntentClassifier(default_rules())
    out: dict[str, Predict] = {
        "rules": lambda t: bool(rules.classify(t).requests),
        "rules+pressure": lambda t: bool(rules.classify(t).categories),
    }
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is not installed: only the rules are measured", file=sys.stderr)
        return out
    threshold = Chat().intent_model_threshold
    corpus = train_model([s.text for s in train], [s.label for s in train])
    synth = synthetic_labelled()
    synthetic = train_model([t for t, _ in synth], [label for _, label in synth])

    def above(model: LinearTextModel, cut: float) -> Predict:
        return lambda t: model.score(normalize(t))[0] >= cut

    both = IntentClassifier(default_rules(), corpus, threshold)
    both_synth = IntentClassifier(default_rules(), synthetic, threshold)
    out.update(
        {
            "model@0.5": above(corpus, 0.5),
            f"model@{threshold}": above(corpus, threshold),
            f"rules|model@{threshold}": lambda t: both.classify(t).flagged,
            "synthetic@0.5": above(synthetic, 0.5),
            f"rules|synthetic@{threshold}": lambda t: both_synth.classify(t).flagged,
        }
    )
    return out


def measure(test: list[Sample], predict: Predict) -> dict[str, object]:
    started = time.perf_counter()
    overall = score(test, predict)
    elapsed = time.perf_counter() - started
    smishing = score([s for s in test if s.kind == "smishing" or not s.label], predict)
    return {
        "all": overall.as_dict(),
        "smishing_vs_ham": smishing.as_dict(),
        "messages_per_second": round(len(test) / elapsed) if elapsed else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder holding SMSSpamCollection and smishing_5971.csv")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", type=int, default=0, help="show N training-split misses")
    args = parser.parse_args()
    folder = data_folder(args.data)
    samples = load_corpus(folder)
    if not samples:
        print(f"no labelled texts found in {folder}", file=sys.stderr)
        return 2
    train, test = split(samples)
    results = {name: measure(test, p) for name, p in approaches(train).items()}
    report = {
        "data": str(folder),
        "texts": len(samples),
        "train": len(train),
        "test": len(test),
        "test_positive": sum(s.label for s in test),
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{report['texts']} distinct texts from {folder}; held out {len(test)} "
            f"({report['test_positive']} positive), seed fixed"
        )
        print(f"{'approach':<26}{'P':>7}{'R':>7}{'F1':>7}   {'P*':>6}{'R*':>7}   msg/s")
        for name, r in results.items():
            a, s = r["all"], r["smishing_vs_ham"]
            assert isinstance(a, dict) and isinstance(s, dict)
            print(
                f"{name:<26}{a['precision']:>7.3f}{a['recall']:>7.3f}{a['f1']:>7.3f}   "
                f"{s['precision']:>6.3f}{s['recall']:>7.3f}   {r['messages_per_second']}"
            )
        print("P, R, F1: spam and smishing vs ham; P*, R*: smishing vs ham only")
    if args.misses:
        rules = IntentClassifier(default_rules())
        missed = [s for s in train if s.label and not rules.classify(s.text).requests]
        for s in missed[: args.misses]:
            print(f"[{s.kind}] {s.text[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
