"""Dataclasses as plain dictionaries: the same result as dataclasses.asdict, values shared."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from lurewatch.util.plain import plain


@dataclass
class Inner:
    name: str
    tags: list[str] = field(default_factory=list)


@dataclass
class Outer:
    inner: Inner
    many: list[Inner]
    pair: tuple[int, str]
    extra: dict[str, Inner]


def test_plain_equals_asdict_without_copying_leaves() -> None:
    tags = ["a", "b"]
    value = Outer(Inner("x", tags), [Inner("y")], (1, "z"), {"k": Inner("w")})
    assert plain(value) == asdict(value)
    assert plain(value)["inner"]["tags"] == tags
    assert plain([value, 3, None]) == [asdict(value), 3, None]


def test_a_dataclass_itself_is_kept_as_it_is() -> None:
    assert plain(Inner) is Inner
    assert plain({"kind": Outer}) == {"kind": Outer}
