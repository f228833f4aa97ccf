"""How fast lurewatch judges links: normalization + intel match + popularity + look-alikes +
structure + link text, in URLs per second on one core (no network).

    python bench/urls/verdict_bench.py [--urls 200000] [--feed 10000]

Links are generated with a realistic mix: mostly popular and repeat sites with tracking
parameters, some new sites, shorteners, free-hosting pages, IP hosts, look-alikes and listed
phishing URLs. A feed of listed URLs and a popularity list are generated too.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.enrich.urls.judge import LinkJudge

WORDS = [
    "account",
    "update",
    "news",
    "offer",
    "invoice",
    "team",
    "cloud",
    "shop",
    "order",
    "track",
    "secure",
    "docs",
    "file",
    "login",
    "portal",
]
POPULAR = [f"site{i}.com" for i in range(2000)] + [
    "google.com",
    "microsoft.com",
    "amazon.com",
    "paypal.com",
]


def make_links(rng: random.Random, n: int, listed: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for i in range(n):
        r = rng.random()
        if r < 0.55:
            host = f"www.{rng.choice(POPULAR)}"
            url = f"https://{host}/{rng.choice(WORDS)}/{i % 977}?utm_source=mail&utm_campaign=c{i % 50}"
        elif r < 0.75:
            url = f"https://news.vendor{rng.randint(1, 5000)}.net/{rng.choice(WORDS)}?id={i}"
        elif r < 0.82:
            url = f"https://bit.ly/{rng.randint(10**5, 10**6):x}"
        elif r < 0.88:
            url = f"https://{rng.choice(WORDS)}-{i % 300}.pages.dev/{rng.choice(WORDS)}.html"
        elif r < 0.91:
            url = f"http://{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.9/{rng.choice(WORDS)}.php"
        elif r < 0.94:
            url = f"https://paypal-{rng.choice(WORDS)}-{i % 40}.com/signin"
        elif r < 0.97:
            url = rng.choice(listed)
        else:
            url = f"https://www.bank{i % 20}.example@{rng.choice(WORDS)}{i % 90}.top/"
        text = (
            f"www.{rng.choice(POPULAR)}"
            if rng.random() < 0.05
            else rng.choice([None, "Read more", "here"])
        )
        out.append((url, text))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--urls", type=int, default=200_000)
    ap.add_argument("--feed", type=int, default=10_000)
    args = ap.parse_args()
    rng = random.Random(11)
    listed = [
        f"http://{rng.choice(WORDS)}{i}.xyz/{rng.choice(WORDS)}/index.php" for i in range(args.feed)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.txt"
        feed.write_text("\n".join(listed) + "\n")
        popular = Path(tmp) / "tranco.csv"
        popular.write_text("".join(f"{i + 1},{d}\n" for i, d in enumerate(POPULAR)))
        settings = Settings()
        settings.organization.domains = ["corp.example"]
        settings.intel.feeds = [str(feed)]
        settings.intel.popular = [str(popular)]
        t0 = time.perf_counter()
        judge = LinkJudge.from_settings(settings)
        load = time.perf_counter() - t0
        links = make_links(rng, args.urls, listed)
        start = time.process_time()
        flagged = 0
        for url, text in links:
            v = judge.judge(url, text)
            flagged += bool(v.known_bad or v.lookalike or v.signals or v.shown_domain)
        cpu = time.process_time() - start
    print(f"loaded {args.feed:,} feed URLs and {len(POPULAR):,} popular domains in {load:.2f} s")
    print(
        f"judged {len(links):,} links in {cpu:.2f} s CPU: {len(links) / cpu:,.0f} URLs/s on one core "
        f"({flagged:,} with at least one finding)"
    )


if __name__ == "__main__":
    main()
