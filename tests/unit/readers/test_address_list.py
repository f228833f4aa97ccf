"""Plain address lists read as `email.utils.getaddresses` reads them; others are left to it."""

from __future__ import annotations

import random
from email.utils import getaddresses

import pytest

from lurewatch.readers.address_list import plain_addresses, read_addresses
from lurewatch.readers.header_fields import _PLAIN_ADDRESS_LIST

PLAIN = [
    "user@example.com",
    "  user@example.com  ",
    "Name <user@example.com>",
    "Jane  Q.\tPublic <jane.q+tag@mail.example.org>",
    '"Doe Jane" <j@example.com>',
    '"" <j@example.com>',
    '"  spaced  "<j@example.com>',
    "<j@example.com>",
    "a@b.c, Name <d@e.f>,\t<g@h.i>",
    ".odd..dots.@example.com",
    "ünï <ü@exämple.com>",
    "x!#$%&'*+/=?^_`{|}~-@example.com",
]
NOT_PLAIN = [
    '"Doe, Jane" <j@example.com>',  # a comma inside quotes
    "Name (comment) <a@b.c>",
    "group: a@b.c;",
    "=?utf-8?q?J=C3=A4ne?= <j@example.com>",
    "a@b@c.d",
    "Name\xa0Other <a@b.c>",  # whitespace the stdlib reads as part of a word
    "a@b.c,",
    "",
    "<>",
    "name only",
    'a "quoted" mix <a@b.c>',
    "a@b.c\r\n",
]


@pytest.mark.parametrize("value", PLAIN)
def test_plain_lists_read_as_getaddresses(value: str) -> None:
    assert plain_addresses(value) == getaddresses([value])


@pytest.mark.parametrize("value", NOT_PLAIN)
def test_other_lists_are_left_to_getaddresses(value: str) -> None:
    assert plain_addresses(value) is None
    assert read_addresses([value]) == getaddresses([value])


def test_several_fields_are_read_as_one_list() -> None:
    values = ["A <a@b.c>", "d@e.f", "(odd) g@h.i"]
    assert read_addresses(values) == getaddresses(values)


PIECES = ["a", "b.c", "@", "<", ">", " ", "\t", ",", '"', "Name", "J.", "=", "(", ")", ".",
          "ü", "\xa0", "\r\n", "\x1f", ";", ":", "[", "]", "\\", "'", "!", "-"]  # fmt: skip


def _entry(rng: random.Random) -> str:
    """An entry that is usually plain, with a random odd piece now and then."""

    def junk() -> str:
        return rng.choice(PIECES) if rng.random() < 0.15 else ""

    addr = f"{rng.choice(['a', 'b.c', 'x-y'])}{junk()}@{rng.choice(['d.e', 'f'])}{junk()}"
    shape = rng.randrange(4)
    if shape == 0:
        body = addr
    elif shape == 1:
        body = f"{rng.choice(['N', 'J. Q', 'A  B'])}{junk()} {junk()}<{addr}>"
    elif shape == 2:
        body = f'"{rng.choice(["", "Q R", " s "])}{junk()}"{rng.choice(["", " "])}<{addr}>'
    else:
        body = f"<{addr}>{junk()}"
    return rng.choice(["", " ", "\t"]) + body + rng.choice(["", " "])


def test_random_lists_agree_with_getaddresses() -> None:
    rng = random.Random(3)
    plain = 0
    for _ in range(20000):
        value = ",".join(_entry(rng) for _ in range(rng.randrange(1, 4)))
        got = plain_addresses(value)
        if got is None:
            continue
        plain += 1
        assert got == getaddresses([value]), value
        # Never a list the reader sent to the modern parser before: the results stay as they were.
        assert _PLAIN_ADDRESS_LIST.fullmatch(value), value
    assert plain > 5000  # most generated lists take the plain path


def test_a_long_list_of_bracketed_addresses_that_fails_at_its_end_is_refused_at_once() -> None:
    # "<a>,\t<b>, ..." with a bad last entry: an entry without a phrase could once split its
    # spaces two ways, so the match was retried 2^entries times before failing.
    value = ",\t".join(f"<user{i}@example.com>" for i in range(80)) + ', "broken'
    assert _PLAIN_ADDRESS_LIST.fullmatch(value) is None
    good = ",\t".join(f"<user{i}@example.com>" for i in range(80))
    assert _PLAIN_ADDRESS_LIST.fullmatch(good) is not None
