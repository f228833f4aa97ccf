"""How fast lurewatch reads chat and classifies request intent, on one core.

    python bench/chat/classify_bench.py [--messages 100000] [--days 30] [--per-day 2000]

Classification: messages drawn from a generated workspace (ordinary chatter, partner notes,
injected lures) mixed one to one with the real SMS spam, smishing and ham texts when the
corpus is present ($LUREWATCH_DATA/text, read at run time, never stored), classified by the
rules alone and, when scikit-learn is installed, by rules plus a model trained at run time.
Reading: a Slack export of `--days` x `--per-day` messages is written to a temporary folder and
read by the Slack reader (intent classification, retention and link extraction included).
Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from lurewatch.demo.chat_gen import build_world, synthetic_labelled, write_slack_export
from lurewatch.enrich.intent import IntentClassifier
from lurewatch.enrich.intent.evaluation import Sample, load_corpus
from lurewatch.enrich.intent.model import train_model
from lurewatch.enrich.intent.rules import default_rules
from lurewatch.readers.chat import read_slack_export

REPO = Path(__file__).resolve().parents[2]


def corpus() -> list[Sample]:
    env = os.environ.get("LUREWATCH_DATA")
    folder = (Path(env) if env else REPO.parent / "shared" / "data") / "text"
    return load_corpus(folder) if folder.is_dir() else []


def messages(n: int, seed: int = 7) -> tuple[list[str], int]:
    rng = random.Random(seed)
    world = build_world(days=10, per_day=200, seed=seed)
    chat = [p.text for p in world.posts]
    real = [s.text for s in corpus()]
    out = [rng.choice(real) if real and i % 2 else rng.choice(chat) for i in range(n)]
    return out, len(real)


def rate(classifier: IntentClassifier, texts: list[str]) -> tuple[float, Counter[str]]:
    flagged: Counter[str] = Counter()
    started = time.perf_counter()
    for t in texts:
        v = classifier.classify(t)
        for c in v.categories:
            flagged[c] += 1
    return len(texts) / (time.perf_counter() - started), flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=2000)
    args = parser.parse_args()

    texts, real = messages(args.messages)
    mean_len = statistics.mean(map(len, texts))
    print(f"{len(texts)} messages, mean {mean_len:.0f} chars, {real} real corpus texts in the mix")
    rules = IntentClassifier(default_rules())
    rules.classify("warm up")
    per_s, flagged = rate(rules, texts)
    print(f"rules:        {per_s:>9,.0f} messages/s  ({1e6 / per_s:.0f} us each)  {dict(flagged)}")
    try:
        import sklearn  # noqa: F401

        data = synthetic_labelled(4000)
        model = train_model([t for t, _ in data], [y for _, y in data])
        both = IntentClassifier(default_rules(), model, 0.9)
        per_s, _ = rate(both, texts)
        print(f"rules+model:  {per_s:>9,.0f} messages/s  ({len(model.weights)} model terms)")
    except ImportError:
        print("rules+model:  skipped (scikit-learn not installed)")

    # Real smishing texts, when present, are the lures an unknown account sends.
    lures = [s.text for s in corpus() if s.kind == "smishing"][:200]
    world = build_world(days=args.days, per_day=args.per_day, seed=11, lures=lures)
    settings = world.settings()
    with tempfile.TemporaryDirectory() as tmp:
        export = write_slack_export(world, Path(tmp) / "export")
        size = sum(f.stat().st_size for f in export.rglob("*") if f.is_file())
        started = time.perf_counter()
        tables: Counter[str] = Counter()
        for item in read_slack_export(export, Counter(), settings):
            if isinstance(item, tuple):
                tables[item[0]] += 1
        elapsed = time.perf_counter() - started
    print(
        f"slack reader: {tables['message'] / elapsed:>9,.0f} messages/s  "
        f"({tables['message']} messages, {tables['transfer']} transfers, "
        f"{size / 1e6:.1f} MB in {elapsed:.1f} s, {len(lures)} real smishing lures injected)"
    )


if __name__ == "__main__":
    main()
