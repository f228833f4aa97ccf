"""Edit distance for look-alike names: the deletion neighbourhood of a label, and the
optimal string alignment distance (Damerau–Levenshtein with adjacent swaps) with a cut-off.

Look-alike search indexes protected labels by their deletions (symmetric-delete lookup), so a
candidate is compared only with the few labels that share one; the bounded distance then
confirms the match without filling the whole table.
"""

from __future__ import annotations


def deletions(s: str, depth: int) -> set[str]:
    """`s` and every string made from it by deleting up to `depth` (1 or 2) characters."""
    n = len(s)
    first = [s[:i] + s[i + 1 :] for i in range(n)]
    out = set(first)
    out.add(s)
    if depth > 1:
        # Second deletions at or after the first one's position: each pair is made once.
        out.update([d[:j] + d[j + 1 :] for i, d in enumerate(first) for j in range(i, n - 1)])
    return out


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of a and b, or limit + 1 once it must exceed limit.

    Only the diagonal band |i - j| <= limit is computed: cells outside it cost more anyway.
    """
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    over = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else over for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [over] * (lb + 1)
        if i <= limit:
            cur[0] = i
        ch = a[i - 1]
        for j in range(max(1, i - limit), min(lb, i + limit) + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ch != b[j - 1]))
            if i > 1 and j > 1 and ch == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v if v < over else over
        if min(cur) > limit:
            return over
        prev2, prev = prev, cur
    return prev[lb]
