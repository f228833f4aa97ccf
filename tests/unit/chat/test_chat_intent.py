"""Request-intent classification: the rules hold their own examples, verdicts carry evidence, the
prefilter changes nothing but speed, and the optional model scores as scikit-learn does."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from lurewatch.demo.chat_gen import build_world, synthetic_labelled
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.registry import by_id
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.enrich.intent import IntentClassifier, RuleSet, parse_snippet
from lurewatch.enrich.intent.features import normalize
from lurewatch.enrich.intent.model import load_labelled, model_summary, train_model
from lurewatch.enrich.intent.prefilter import LiteralIndex, required_literals
from lurewatch.enrich.intent.rules import default_rules, parse_rules
from lurewatch.errors import ConfigError
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

RULES = default_rules()
CLASSIFIER = IntentClassifier(RULES)


@pytest.mark.parametrize("rule", RULES.rules, ids=[r.id for r in RULES.rules])
def test_each_rule_matches_its_examples_and_not_its_counters(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.examples, "every rule documents at least one example"
    one = RuleSet([rule])
    for text in rule.examples:
        assert one.match(normalize(text), text), f"{rule.id} misses {text!r}"
    for text in rule.counter:
        assert not one.match(normalize(text), text), f"{rule.id} matches {text!r}"


@pytest.mark.parametrize(
    ("text", "requests", "pressure"),
    [
        (
            "Hi it's IT. Send me your password now, your mailbox will be closed",
            ["credentials"],
            True,
        ),
        ("Can you read me the verification code you just received?", ["mfa"], False),
        ("Please buy 3 Google Play gift cards and send pictures of the codes", ["payment"], False),
        ("We changed our banking details, please pay the overdue invoice", ["payment"], False),
        ("What is your date of birth and SSN?", ["sensitive"], False),
        ("Send 0.2 BTC to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", ["payment"], False),
        ("schick mir dein Passwort", ["credentials"], False),
        ("Lunch at noon? The build is green again.", [], False),
        ("Never share your password or OTP with anyone.", [], False),
        ("the code review is done, I sent you the link", [], False),
    ],
)
def test_verdicts(text: str, requests: list[str], pressure: bool) -> None:
    v = CLASSIFIER.classify(text)
    assert list(v.requests) == requests and v.pressure == pressure
    assert v.flagged == bool(requests)
    for s in v.snippets(keep_text=True):
        category, rule, words = parse_snippet(s)
        assert category in v.categories and rule.startswith(category) and words
        assert words in normalize(text) or words in text  # evidence is what was written


def test_evidence_survives_tricks_and_text_can_be_left_out() -> None:
    v = CLASSIFIER.classify("Ｓｅｎｄ me your pass\u200bword")  # full-width and a zero-width space
    assert v.requests == ("credentials",)
    assert v.snippets(keep_text=False) == ["credentials/credentials.ask-secret"]
    assert parse_snippet("credentials/credentials.ask-secret") == (
        "credentials",
        "credentials.ask-secret",
        None,
    )
    assert not CLASSIFIER.classify("").categories


def test_extra_rules_file_and_bad_rules(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        "[[rules]]\nid = 'payment.ach'\ncategory = 'payment'\nwhy = 'asks for an ACH push'\n"
        "patterns = ['''\\bach (?:push|transfer)\\b''']\n"
    )
    rules = default_rules(str(extra))
    assert IntentClassifier(rules).classify("do an ACH push today").requests == ("payment",)
    with pytest.raises(ConfigError, match="unknown category"):
        parse_rules("[[rules]]\nid='x'\ncategory='nope'\nwhy='w'\npatterns=['a']", "t")
    with pytest.raises(ConfigError, match="bad pattern"):
        parse_rules("[[rules]]\nid='x'\ncategory='mfa'\nwhy='w'\npatterns=['(']", "t")
    with pytest.raises(ConfigError, match="unknown macro"):
        parse_rules("[[rules]]\nid='x'\ncategory='mfa'\nwhy='w'\npatterns=['<nope>']", "t")
    with pytest.raises(ConfigError, match="cannot read"):
        default_rules(str(tmp_path / "missing.toml"))


def test_prefilter_requirements_and_index() -> None:
    clauses = required_literals(r"\b(?:send|give) (?:me )?your (?:password|pin)\b")
    assert frozenset({"send", "give"}) in clauses

    def meets(text: str) -> bool:
        return all(any(lit in text for lit in c) for c in clauses)

    assert meets("send me your password") and meets("give your pin")
    assert not meets("send it over") and not meets("your password")
    assert required_literals(r"\d{3}-\d{2}") == []  # nothing provable: the rule always runs
    assert required_literals(r"(?:abc)?xyz") == [frozenset({"xyz"})]
    words = ["pass", "passw", "password", "pin", "ping", "code", "od"]
    index = LiteralIndex(words)
    rng = random.Random(5)
    for _ in range(300):
        text = "".join(rng.choice("pasworincgde ") for _ in range(40))
        assert index.present(text) == {w for w in words if w in text}


def test_prefilter_changes_nothing_but_speed() -> None:
    texts = [t for t, _ in synthetic_labelled(400, seed=3)] + [r.examples[0] for r in RULES.rules]
    for text in texts:
        norm = normalize(text)
        brute = set()
        for r in RULES.rules:
            for p in r.patterns:
                if any(
                    m.group(0).strip() for m in re.finditer(p, text if r.case_sensitive else norm)
                ):
                    brute.add(r.id)
        assert {e.rule for e in RULES.match(norm, text)} == brute


def test_labelled_files(tmp_path: Path) -> None:
    tsv = tmp_path / "a.tsv"
    tsv.write_text("spam\tWIN a prize now\nham\tsee you at 5\nodd\tskipped\n")
    csv_file = tmp_path / "b.csv"
    csv_file.write_text('LABEL,TEXT,URL\nSmishing,"verify your account, here",yes\nham,ok,No\n')
    assert load_labelled(tsv) == (["WIN a prize now", "see you at 5"], [True, False], 1)
    assert load_labelled(csv_file) == (["verify your account, here", "ok"], [True, False], 0)
    bad = tmp_path / "c.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match="label"):
        load_labelled(bad)


def test_model_scores_as_scikit_learn_does_and_explains() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = synthetic_labelled(600, seed=9)
    texts, labels = [t for t, _ in data], [y for _, y in data]
    model = train_model(texts, labels)
    vec = TfidfVectorizer(
        lowercase=False,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
    )
    x = vec.fit_transform([normalize(t) for t in texts])
    clf = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(x, labels)
    probe = ["Please send me your password and the code", "lunch at the usual place?"]
    expected = clf.predict_proba(vec.transform([normalize(t) for t in probe]))[:, 1]
    for text, want in zip(probe, expected, strict=True):
        got, terms = model.score(normalize(text))
        assert got == pytest.approx(want, abs=1e-9)
    assert model.score(normalize(probe[0]))[1]  # the words that weighed most
    assert model_summary(model)["terms"] == len(model.weights)
    with pytest.raises(ConfigError, match="both positive and negative"):
        train_model(["a b", "c d"], [True, True])


def test_model_only_verdicts_are_marked() -> None:
    pytest.importorskip("sklearn")
    data = synthetic_labelled(600, seed=9)
    model = train_model([t for t, _ in data], [y for _, y in data])
    clf = IntentClassifier(RULES, model, model_threshold=0.5)
    v = clf.classify("Hello, HR asked me to collect something for the audit. thx")
    assert v.model_score is not None
    if v.model_flagged and not v.requests:
        category, score, _ = parse_snippet(v.snippets(keep_text=True)[-1])
        assert category == "model" and 0.5 <= float(score) <= 1


def test_a_model_trained_from_the_settings_reports_what_rules_miss(
    tmp_path: Path, store: Store
) -> None:
    pytest.importorskip("sklearn")
    labelled = tmp_path / "labelled.tsv"
    rng = random.Random(1)
    lines = [f"spam\tyour zebra voucher {rng.randint(1, 99)} waits at the kiosk" for _ in range(60)]
    lines += [f"ham\t{t}" for t, y in synthetic_labelled(200, seed=4) if not y]
    labelled.write_text("\n".join(lines) + "\n")
    chat = tmp_path / "in" / "chat.jsonl"
    chat.parent.mkdir()
    chat.write_text(
        json.dumps(
            {"time": 1772445600, "sender": "x@zeb.example", "text": "your zebra voucher waits"}
        )
        + "\n"
    )
    settings = build_world(days=1, per_day=1).settings()
    settings.chat.intent_training = [str(labelled)]
    ingest_paths(store, [chat.parent], settings, OfflineResolver(), workers=1)
    (snippet,) = store.scalar('SELECT "message.snippets" FROM message')
    category, score, words = parse_snippet(snippet)
    assert category == "model" and float(score) >= 0.9 and "zebra" in (words or "")
    ctx = DetectionContext(settings=settings, store=store)
    row = store.rows("SELECT * FROM message")[0]
    hit = by_id("chat_information_request").check(row, ctx)  # type: ignore[attr-defined]
    assert hit is not None and hit.severity == "low" and "zebra" in hit.message
