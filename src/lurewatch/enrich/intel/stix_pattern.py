"""The values a STIX 2.1 pattern names, where the pattern is a plain "any of these" list.

A pattern such as `[url:value = 'http://x/' OR domain-name:value = 'x'] OR [ipv4-addr:value =
'10.0.0.0/24']` holds when any one comparison holds, so each supported comparison is an
indicator on its own. Comparisons joined by AND or FOLLOWEDBY hold only together; matching
one part alone would flag more than the pattern does, so such patterns are refused, as are
negated comparisons. Operators other than `=` and `IN` (LIKE, MATCHES, ranges) cannot be turned
into values; in an OR pattern they are passed over and the rest is kept. Qualifiers (WITHIN,
REPEATS, START/STOP) narrow when a pattern holds and are ignored.

String literals are single-quoted with backslash escapes (`'it\\'s'`); double quotes, which
hand-written bundles use, are accepted too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lurewatch.enrich.intel.model import IndicatorType

__all__ = ["PatternError", "PatternValues", "pattern_values"]

# Object paths whose value is an indicator of ours, and the indicator type it becomes.
PATHS: dict[str, IndicatorType] = {
    "url:value": "url",
    "domain-name:value": "domain",
    "ipv4-addr:value": "ip",
    "ipv6-addr:value": "ip",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<typed>[tbh]'(?:[^'\\]|\\.)*')
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<path>[a-z0-9][a-z0-9-]*:(?:[A-Za-z0-9_-]+|'[^']*'|\.|\[(?:\d+|\*)\])+)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z]+)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[\[\]\(\),])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_VALUE_OPS = frozenset({"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"})


class PatternError(ValueError):
    """The pattern is not valid STIX pattern syntax."""


@dataclass
class PatternValues:
    """What a pattern yields: (type, value) pairs, and whether anything was refused or passed
    over. `refused` names why the whole pattern yields nothing (e.g. "AND")."""

    values: list[tuple[IndicatorType, str]] = field(default_factory=list)
    supported_paths: int = 0  # comparisons on url/domain/ip paths, whatever their operator
    other_paths: int = 0
    passed_over: int = 0  # comparisons on our paths with an operator we cannot use
    refused: str | None = None


def _tokens(pattern: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(pattern):
        m = _TOKEN.match(pattern, pos)
        if m is None:
            quote = pattern[pos]
            why = "an unterminated string" if quote in "'\"" else f"an unexpected {quote!r}"
            raise PatternError(f"{why} at offset {pos}")
        kind = m.lastgroup or ""
        if kind != "space":
            out.append((kind, m.group(0)))
        pos = m.end()
    return out


def _string(literal: str) -> str:
    return _ESCAPE.sub(r"\1", literal[1:-1])


def _check_brackets(tokens: list[tuple[str, str]]) -> None:
    stack: list[str] = []
    for kind, text in tokens:
        if kind != "punct" or text == ",":
            continue
        if text in "[(":
            stack.append(text)
        elif not stack or stack.pop() != ("[" if text == "]" else "("):
            raise PatternError(f"unbalanced {text!r}")
    if stack:
        raise PatternError(f"unclosed {stack[-1]!r}")
    if not tokens or tokens[0] != ("punct", "["):
        raise PatternError("a pattern starts with '['")


def pattern_values(pattern: str) -> PatternValues:
    """The indicator values of `pattern`; raises PatternError for invalid syntax."""
    tokens = _tokens(pattern)
    _check_brackets(tokens)
    out = PatternValues()
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "word" and text.upper() in ("AND", "FOLLOWEDBY"):
            out.refused = text.upper()
        if kind != "path":
            i += 1
            continue
        itype = PATHS.get(text)
        i += 1
        negated = i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].upper() == "NOT"
        if negated:
            i += 1
        if i >= len(tokens):
            raise PatternError(f"{text} has no operator")
        op_kind, op = tokens[i]
        i += 1
        if op_kind == "word" and op.upper() == "IN":
            values, i = _set(tokens, i)
        elif op_kind == "op" or (op_kind == "word" and op.upper() in _VALUE_OPS):
            if i >= len(tokens) or tokens[i][0] not in ("str", "typed", "num", "word"):
                raise PatternError(f"{text} {op} has no value")
            values = [_string(tokens[i][1])] if tokens[i][0] == "str" else []
            i += 1
        else:
            raise PatternError(f"{text} is followed by {op!r}, not an operator")
        if itype is None:
            out.other_paths += 1
            continue
        out.supported_paths += 1
        if negated:
            out.refused = out.refused or "NOT"
        elif op == "=" or op.upper() == "IN":
            out.values.extend((itype, v) for v in values)
        else:
            out.passed_over += 1
    if out.refused:
        out.values = []
    return out


def _set(tokens: list[tuple[str, str]], i: int) -> tuple[list[str], int]:
    """The string members of `('a', 'b')` starting at token i, and the index after it."""
    if i >= len(tokens) or tokens[i] != ("punct", "("):
        raise PatternError("IN is not followed by a set")
    i += 1
    values: list[str] = []
    while i < len(tokens) and tokens[i] != ("punct", ")"):
        kind, text = tokens[i]
        if kind == "str":
            values.append(_string(text))
        elif (kind, text) != ("punct", ","):
            raise PatternError(f"unexpected {text!r} in a set")
        i += 1
    return values, i + 1
