"""Literals a regular expression cannot match without: a cheap test before the expensive one.

Most chat messages ask for nothing, and running every rule's pattern at every position of
every message is what classification would spend its time on. From a pattern's parse tree
this module derives clauses, each a set of strings, such that every match contains at least
one string of every clause: "send me your password" needs an asking verb *and* a secret word.
`LiteralIndex` finds which of all the rules' strings occur in a message in one pass of a
trie-shaped pattern, and a rule's pattern runs only when all its clauses are met.

The derivation is conservative: where it cannot prove a requirement, there is no clause, and
in the worst case the rule always runs. It reads Python's own regular-expression parser
(`re._parser`), so what it reasons about is exactly what `re` compiles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

try:  # the parser behind `re`; private, so its absence only turns the prefilter off
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python implementations
    C = P = None

__all__ = ["Clauses", "LiteralIndex", "required_literals"]

Clause = frozenset[str]
Clauses = list[Clause]
MIN_LITERAL = 2  # a clause holding a shorter string is met by almost any text: dropped
MAX_ALTERNATIVES = 96
MAX_CLAUSES = 4


def _cost(clause: Clause) -> float:
    """How often a clause is met by ordinary text, roughly: short strings are everywhere."""
    return sum(4.0 ** -len(s) for s in clause)


def _usable(clause: Clause) -> bool:
    return 0 < len(clause) <= MAX_ALTERNATIVES and min(map(len, clause)) >= MIN_LITERAL


def _sequence(items: Any) -> Clauses:
    clauses: Clauses = []
    run: list[str] = []

    def flush() -> None:
        if run:
            clauses.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: the literal run goes on
        flush()
        if op is C.SUBPATTERN:
            clauses += _sequence(av[-1])
        elif op is C.ATOMIC_GROUP:
            clauses += _sequence(av)
        elif op is C.BRANCH:
            one = _alternation(av[1])
            if one is not None:
                clauses.append(one)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            clauses += _sequence(av[2])
    flush()
    return [c for c in clauses if _usable(c)]


def _alternation(branches: Iterable[Any]) -> Clause | None:
    """One clause for an alternation: the union of each branch's most selective clause."""
    found: set[str] = set()
    for branch in branches:
        own = _sequence(branch)
        if not own:
            return None  # this branch needs nothing, so neither does the alternation
        best: Clause = min(own, key=_cost)
        found.update(best)
    return frozenset(found)


def required_literals(pattern: str) -> Clauses:
    """Clauses every match of `pattern` meets (empty when nothing can be proven)."""
    if P is None:
        return []
    try:
        parsed = P.parse(pattern, 0)
    except Exception:  # a pattern `re` rejects is reported by the rule loader
        return []
    return sorted(set(_sequence(parsed)), key=_cost)[:MAX_CLAUSES]


class LiteralIndex:
    """Which of a fixed set of strings occur in a text, in one regular-expression pass.

    The strings are compiled into a trie-shaped pattern tried at every position (inside a
    lookahead, so overlapping occurrences are all seen); at each position it yields the
    longest string starting there, and the shorter strings that are prefixes of it are added
    from a table, since they start there too.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        words = sorted(set(literals))
        self._prefixes = {w: [v for v in words if w.startswith(v) and v != w] for w in words}
        self._pattern = re.compile(f"(?=({_trie(words)}))", re.DOTALL) if words else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def present(self, text: str) -> set[str]:
        if self._pattern is None:
            return set()
        found = set(self._pattern.findall(text))
        for w in list(found):
            found.update(self._prefixes[w])
        return found


def _trie(words: list[str]) -> str:
    """A pattern matching exactly `words`, longest first where one is a prefix of another."""
    tree: dict[str, Any] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        end = "" in node
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return emit(tree)
