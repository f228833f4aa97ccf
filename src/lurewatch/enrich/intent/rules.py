"""Transparent request-intent rules: phrases and patterns in a TOML file, each with a reason.

A rule belongs to one category (credentials, mfa, payment, sensitive, pressure) and carries a
weight; a category is present in a message when the weights of its distinct matched rules add
up to 1. Strong phrases ("send me your password") weigh 1 alone; hints ("OTP", "gift card")
weigh less and need company. Every match keeps the span it matched, so a verdict always says
which words made it.

Patterns are Python regular expressions over normalized text (see `features.normalize`).
`<name>` inside a pattern is replaced by the macro of that name from the file's `[macros]`
table, which keeps the vocabulary of asking, owning and secrets in one place. Rules marked
`case_sensitive` (entity shapes such as wallet addresses) read the original text instead.
A rule's pattern runs only on messages holding a literal every match of it needs (see
`prefilter`), so the cost of a message grows with what it resembles, not with the rule count.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lurewatch.enrich.intent.features import MAX_CLASSIFIED_CHARS
from lurewatch.enrich.intent.prefilter import LiteralIndex, required_literals
from lurewatch.errors import ConfigError

__all__ = [
    "CATEGORIES",
    "REQUEST_CATEGORIES",
    "Evidence",
    "Rule",
    "RuleSet",
    "default_rules",
]

CATEGORIES = ("credentials", "mfa", "payment", "sensitive", "pressure")
# What a message can ask for; pressure only makes a request more dangerous.
REQUEST_CATEGORIES = ("credentials", "mfa", "payment", "sensitive")
MAX_EVIDENCE_CHARS = 160
_MACRO = re.compile(r"<([a-z_]+)>")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule's match: what it found and why it matters."""

    category: str
    rule: str
    weight: float
    text: str | None  # the matched words; None once the text is no longer kept


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    weight: float
    why: str
    patterns: tuple[str, ...]
    case_sensitive: bool = False
    lang: str = "en"
    examples: tuple[str, ...] = ()  # texts the rule must match (checked by the tests)
    counter: tuple[str, ...] = ()  # texts it must not match


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise ConfigError(f"{where}: unknown macro <{name}>")
        return f"(?:{macros[name]})"

    # Macros may use other macros; three rounds cover every nesting the file needs.
    for _ in range(3):
        pattern = _MACRO.sub(sub, pattern)
    return pattern


def _rule(raw: dict[str, Any], macros: dict[str, str], where: str) -> Rule:
    try:
        rule = Rule(
            id=str(raw["id"]),
            category=str(raw["category"]),
            weight=float(raw.get("weight", 1.0)),
            why=str(raw["why"]),
            patterns=tuple(
                _expand(str(p), macros, f"{where} {raw['id']}") for p in raw["patterns"]
            ),
            case_sensitive=bool(raw.get("case_sensitive", False)),
            lang=str(raw.get("lang", "en")),
            examples=tuple(raw.get("examples", ())),
            counter=tuple(raw.get("counter", ())),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: a rule lacks {exc.args[0]!r}") from None
    if rule.category not in CATEGORIES:
        raise ConfigError(f"{where} {rule.id}: unknown category {rule.category!r}")
    if not 0 < rule.weight <= 1:
        raise ConfigError(f"{where} {rule.id}: weight must be in (0, 1]")
    for p in rule.patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ConfigError(f"{where} {rule.id}: bad pattern: {exc}") from None
    return rule


class RuleSet:
    """Compiled rules; `match` returns the evidence found in one message.

    Each pattern of a rule runs only when the text holds, for every clause of literals the
    pattern needs (see `prefilter`), one of them: ordinary messages cost a single pass.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ConfigError(f"intent rules: duplicate rule ids {', '.join(dupes)}")
        # One unit per pattern: (rule index, compiled pattern, clauses it needs).
        self._units = [
            (i, re.compile(p), required_literals(p))
            for i, r in enumerate(self.rules)
            for p in r.patterns
        ]
        # (case-sensitive, literal) -> the (unit, clause) pairs it meets.
        self._meets: dict[tuple[bool, str], list[tuple[int, int]]] = {}
        self._always = [u for u, (_, _, clauses) in enumerate(self._units) if not clauses]
        for u, (i, _, clauses) in enumerate(self._units):
            for k, clause in enumerate(clauses):
                for literal in clause:
                    key = (self.rules[i].case_sensitive, literal)
                    self._meets.setdefault(key, []).append((u, k))
        self._lower = LiteralIndex(lit for exact, lit in self._meets if not exact)
        self._exact = LiteralIndex(lit for exact, lit in self._meets if exact)

    @classmethod
    def from_toml(cls, text: str, where: str) -> RuleSet:
        return cls(parse_rules(text, where))

    def candidates(self, normalized: str, original: str) -> list[int]:
        """Indexes of the patterns (units) that can match: the text meets all their clauses."""
        met: dict[int, set[int]] = {}
        for exact, index, text in ((False, self._lower, normalized), (True, self._exact, original)):
            if index:
                for literal in index.present(text):
                    for u, k in self._meets[(exact, literal)]:
                        met.setdefault(u, set()).add(k)
        ready = [u for u, ks in met.items() if len(ks) == len(self._units[u][2])]
        return sorted(self._always + ready)

    def match(self, normalized: str, original: str | None = None) -> list[Evidence]:
        """Evidence in one message: `normalized` from features.normalize, `original` for
        case-sensitive rules (defaults to the normalized text). A rule reports each distinct
        span once."""
        raw = (original or normalized)[:MAX_CLASSIFIED_CHARS]
        found: list[Evidence] = []
        seen: set[tuple[int, str]] = set()
        for u in self.candidates(normalized, raw):
            i, pattern, _ = self._units[u]
            r = self.rules[i]
            for m in pattern.finditer(raw if r.case_sensitive else normalized):
                span = m.group(0).strip()[:MAX_EVIDENCE_CHARS]
                if span and (i, span) not in seen:
                    seen.add((i, span))
                    found.append(Evidence(r.category, r.id, r.weight, span))
        # One rule's patterns can overlap ("keep this between us", "between us"): keep the
        # longer words only.
        return [
            e
            for e in found
            if not any(
                o.rule == e.rule and o.text != e.text and (e.text or "") in (o.text or "")
                for o in found
            )
        ]

    def by_id(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None


def parse_rules(text: str, where: str) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from None
    macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
    return [_rule(raw, macros, where) for raw in data.get("rules", [])]


@cache
def default_rules(extra_file: str = "") -> RuleSet:
    """The bundled rules, plus those of `extra_file` (chat.intent_rules_file) when given."""
    bundled = resources.files("lurewatch").joinpath("data/intent_rules.toml").read_text("utf-8")
    rules = parse_rules(bundled, "data/intent_rules.toml")
    if extra_file:
        try:
            extra = Path(extra_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read chat.intent_rules_file {extra_file}: {exc.strerror or exc}"
            ) from None
        rules += parse_rules(extra, extra_file)
    return RuleSet(rules)
