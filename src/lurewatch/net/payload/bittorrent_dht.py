"""BitTorrent DHT (BEP 5) messages over UDP: one bencoded dictionary per datagram (BEP 3).

Every message carries a transaction id `t` (a byte string) and a type `y`: `q` for a query
(with the method name `q` and its arguments `a`, a dictionary), `r` for a response (values
`r`, a dictionary) or `e` for an error (`e`, a list of code and message). The bencoding itself
must be exact: integers without leading zeros, strings as long as they say, nothing after the
dictionary.
"""

from __future__ import annotations

MALFORMED = "protocol_malformed"
MAX_DEPTH = 16
MAX_ITEMS = 4096

Value = bytes | int | list["Value"] | dict[bytes, "Value"]


class BencodeError(ValueError):
    pass


def looks_like_dht(p: bytes) -> bool:
    """A bencoded dictionary with a one-letter type key, cheap to test on any datagram."""
    return p[:1] == b"d" and p[-1:] == b"e" and p[1:2].isdigit() and b"1:y1:" in p[:2048]


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.items = 0

    def value(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise BencodeError("nested deeper than 16 levels")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise BencodeError("more than 4096 values")
        data, pos = self.data, self.pos
        if pos >= len(data):
            raise BencodeError("ends inside a value")
        lead = data[pos]
        if lead == 0x69:  # i<digits>e
            end = data.find(b"e", pos)
            if end < 0:
                raise BencodeError("integer without its closing 'e'")
            digits = data[pos + 1 : end]
            body = digits[1:] if digits[:1] == b"-" else digits
            if not body.isdigit() or (body[:1] == b"0" and (len(body) > 1 or digits[:1] == b"-")):
                raise BencodeError(f"integer {digits[:20]!r} is not canonical")
            self.pos = end + 1
            return int(digits)
        if lead == 0x6C:  # l ... e
            self.pos += 1
            items: list[Value] = []
            while self.peek() != 0x65:
                items.append(self.value(depth + 1))
            self.pos += 1
            return items
        if lead == 0x64:  # d ... e
            self.pos += 1
            entries: dict[bytes, Value] = {}
            while self.peek() != 0x65:
                key = self.value(depth + 1)
                if not isinstance(key, bytes):
                    raise BencodeError("dictionary key is not a string")
                entries[key] = self.value(depth + 1)
            self.pos += 1
            return entries
        colon = data.find(b":", pos, pos + 12)
        if colon < 0 or not data[pos:colon].isdigit():
            raise BencodeError(f"unexpected byte 0x{lead:02x}")
        size = int(data[pos:colon])
        if colon + 1 + size > len(data):
            raise BencodeError(f"string of {size} bytes runs past the datagram")
        self.pos = colon + 1 + size
        return data[colon + 1 : self.pos]

    def peek(self) -> int:
        if self.pos >= len(self.data):
            raise BencodeError("ends inside a list or dictionary")
        return self.data[self.pos]


def decode(data: bytes) -> Value:
    """The one bencoded value filling `data`; BencodeError says what is wrong."""
    decoder = _Decoder(data)
    found = decoder.value(0)
    if decoder.pos != len(data):
        raise BencodeError(f"{len(data) - decoder.pos} bytes after the message")
    return found


def _missing(message: dict[bytes, Value]) -> str | None:
    """What BEP 5 requires that the message lacks."""
    if not isinstance(message.get(b"t"), bytes):
        return "no transaction id 't'"
    kind = message.get(b"y")
    if kind == b"q":
        if not isinstance(message.get(b"q"), bytes):
            return "a query without its method name 'q'"
        if not isinstance(message.get(b"a"), dict):
            return "a query without its arguments dictionary 'a'"
    elif kind == b"r":
        if not isinstance(message.get(b"r"), dict):
            return "a response without its values dictionary 'r'"
    elif kind == b"e":
        if not isinstance(message.get(b"e"), list):
            return "an error without its list 'e'"
    else:
        return f"message type 'y' is {kind!r}, not q, r or e"
    return None


def check(payload: bytes) -> list[tuple[str, str]]:
    """protocol_malformed problems of one DHT datagram."""
    try:
        message = decode(payload)
    except BencodeError as e:
        return [(MALFORMED, f"BitTorrent DHT datagram is not valid bencoding: {e} (BEP 3)")]
    if not isinstance(message, dict):
        return [(MALFORMED, "BitTorrent DHT datagram is not a dictionary (BEP 5)")]
    missing = _missing(message)
    return [(MALFORMED, f"BitTorrent DHT message with {missing} (BEP 5)")] if missing else []
