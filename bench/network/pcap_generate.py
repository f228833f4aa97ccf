"""A large, realistic capture for benchmarking packet analysis: deterministic, written raw.

    python bench/network/pcap_generate.py OUT.pcap [--packets 1200000] [--seed 7] [--pcapng]
                                                   [--vxlan]

Traffic: many interleaved TCP connections (handshake, HTTP on 80, TLS on 443, SSH on 22,
request/response exchanges, FIN close), DNS queries and answers over UDP, some NTP, pings,
and a sprinkling of anomalies (SYN+FIN scans, RSTs to nothing, data after close). Headers
are packed with struct and written straight to the file (no packet objects).

With `--vxlan` every frame arrives mirrored inside VXLAN, as AWS Traffic Mirroring delivers a
cloud network's traffic: between two mirror endpoints, the UDP source port a hash of the
conversation's addresses, VNI 5001.
"""

from __future__ import annotations

import argparse
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

ETH_V4 = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
CONCURRENT = 3000  # connections open at once
BODY = bytes(range(256)) * 5 + bytes(range(168))  # 1448 bytes: one full-size segment
TLS_RECORD = b"\x17\x03\x03" + struct.pack("!H", 1443) + BODY[:1443]
Frame = tuple[bytes, bytes, int, bytes]  # (src ip, dst ip, proto, transport bytes)


def ip4(n: int) -> bytes:
    return struct.pack("!I", n)


def ipv4(src: bytes, dst: bytes, proto: int, body: bytes, ident: int) -> bytes:
    head = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident & 0xFFFF, 0x4000, 64, proto, 0, src, dst
    )
    return ETH_V4 + head + body


def tcp(sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    return (
        struct.pack(
            "!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 64240, 0, 0
        )
        + payload
    )


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def dns_query(ident: int, name: str, answer: bytes | None) -> bytes:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    flags = 0x8180 if answer else 0x0100
    head = struct.pack("!HHHHHH", ident, flags, 1, 1 if answer else 0, 0, 0)
    body = head + qname + b"\x00\x01\x00\x01"
    if answer:
        body += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04" + answer
    return body


def tls_client_hello(rng: random.Random, host: str) -> bytes:
    name = host.encode()
    sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + rng.randbytes(32) + b"\x00" + b"\x00\x04\x13\x01\x13\x02" + b"\x01\x00"
    body += struct.pack("!H", len(sni)) + sni
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello(rng: random.Random) -> bytes:
    body = b"\x03\x03" + rng.randbytes(32) + b"\x00" + b"\x13\x01" + b"\x00" + b"\x00\x00"
    hs = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


def tls_data(rng: random.Random, n: int) -> bytes:
    return b"\x17\x03\x03" + struct.pack("!H", n) + rng.randbytes(n)


def tcp_connection(
    rng: random.Random, c: bytes, s: bytes, cport: int, sport: int
) -> Iterator[Frame | list[Frame]]:
    """One connection, packet by packet: handshake, exchanges, close."""
    cs, ss = rng.getrandbits(32), rng.getrandbits(32)
    yield c, s, 6, tcp(cport, sport, cs, 0, SYN)
    yield s, c, 6, tcp(sport, cport, ss, cs + 1, SYN | ACK)
    cs += 1
    ss += 1
    yield c, s, 6, tcp(cport, sport, cs, ss, ACK)
    host = f"www{rng.randrange(500)}.example.com"
    for i in range(rng.choice((1, 1, 2, 3, 5))):
        size = min(int(rng.lognormvariate(9.5, 1.4)), 4_000_000)  # heavy-tailed, median ~13 kB
        if sport == 80:
            req = f"GET /item/{rng.randrange(10**6)} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n".encode()
            resp = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                % size
            )
        elif sport == 443:
            req = tls_client_hello(rng, host) if i == 0 else tls_data(rng, rng.randrange(80, 600))
            resp = tls_server_hello(rng) if i == 0 else tls_data(rng, 1400)
        else:
            req = b"SSH-2.0-OpenSSH_9.6\r\n" if i == 0 else rng.randbytes(rng.randrange(48, 200))
            resp = (
                b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
                if i == 0
                else rng.randbytes(rng.randrange(48, 900))
            )
            size = 0
        yield c, s, 6, tcp(cport, sport, cs, ss, PSH | ACK, req)
        cs += len(req)
        # the response: its head, then the body in full-size segments, every second one ACKed
        if sport == 443:  # whole TLS records, one per segment
            stream = [resp] + [TLS_RECORD] * (size // 1448)
        else:
            filler = BODY[: 1448 - len(resp) % 1448] if size else b""
            stream = [resp + filler] + [BODY] * (size // 1448)
        for n, part in enumerate(stream):
            yield (
                s,
                c,
                6,
                tcp(sport, cport, ss, cs, ACK | (PSH if n == len(stream) - 1 else 0), part),
            )
            ss += len(part)
            if n % 2 or n == len(stream) - 1:
                yield c, s, 6, tcp(cport, sport, cs, ss, ACK)
    yield [  # the close is one burst: the peers answer each other's FIN at once
        (c, s, 6, tcp(cport, sport, cs, ss, FIN | ACK)),
        (s, c, 6, tcp(sport, cport, ss, cs + 1, FIN | ACK)),
        (c, s, 6, tcp(cport, sport, cs + 1, ss + 1, ACK)),
    ]


def udp_exchange(rng: random.Random, c: bytes, s: bytes, cport: int) -> Iterator[Frame]:
    if rng.random() < 0.85:
        ident = rng.getrandbits(16)
        name = f"host{rng.randrange(5000)}.example.org"
        yield c, s, 17, udp(cport, 53, dns_query(ident, name, None))
        yield s, c, 17, udp(53, cport, dns_query(ident, name, rng.randbytes(4)))
    else:
        yield c, s, 17, udp(cport, 123, b"\x23" + rng.randbytes(47))
        yield s, c, 17, udp(123, cport, b"\x24" + rng.randbytes(47))


def anomaly(rng: random.Random, c: bytes, s: bytes, cport: int) -> Iterator[Frame]:
    kind = rng.randrange(4)
    if kind == 0:  # SYN+FIN scan
        yield c, s, 6, tcp(cport, rng.choice((22, 80, 443)), rng.getrandbits(32), 0, SYN | FIN)
    elif kind == 1:  # a RST for nothing
        yield c, s, 6, tcp(cport, 443, rng.getrandbits(32), rng.getrandbits(32), RST | ACK)
    elif kind == 2:  # an echo reply nobody asked for
        yield s, c, 1, struct.pack("!BBHHH", 0, 0, 0, rng.getrandbits(16), 1) + rng.randbytes(32)
    else:  # DNS answer with no query
        yield (
            s,
            c,
            17,
            udp(53, cport, dns_query(rng.getrandbits(16), "late.example.org", rng.randbytes(4))),
        )


def frames(rng: random.Random, count: int) -> Iterator[Frame]:
    clients = [0x0A000000 + i for i in range(1, 4000)]
    servers = [0xC6336400 + i for i in range(1, 600)]

    def start() -> Iterator[Frame | list[Frame]]:
        c, s = ip4(rng.choice(clients)), ip4(rng.choice(servers))
        cport = rng.randrange(20000, 65000)
        r = rng.random()
        if r < 0.80:
            return tcp_connection(rng, c, s, cport, rng.choice((80, 80, 443, 443, 443, 22)))
        if r < 0.997:
            return udp_exchange(rng, c, s, cport)
        return anomaly(rng, c, s, cport)

    active = [start() for _ in range(CONCURRENT)]
    made = 0
    while made < count:
        i = rng.randrange(CONCURRENT)
        frame = next(active[i], None)
        if frame is None:
            active[i] = start()
            continue
        if isinstance(frame, list):  # a burst: packets sent back to back
            made += len(frame)
            yield from frame
        else:
            made += 1
            yield frame


MIRROR_SOURCE, MIRROR_TARGET = bytes([172, 31, 0, 10]), bytes([172, 31, 0, 20])
VXLAN_HEAD = struct.pack("!B3s3sB", 0x08, bytes(3), (5001).to_bytes(3, "big"), 0)


def mirrored(frame: bytes, n: int) -> bytes:
    """`frame` inside VXLAN from the mirror source to its target."""
    a, b = frame[26:30], frame[30:34]  # the inner IPv4 addresses, either way the same port
    sport = 49152 + (zlib.crc32(min(a, b) + max(a, b)) & 0x3FFF)
    return ipv4(MIRROR_SOURCE, MIRROR_TARGET, 17, udp(sport, 4789, VXLAN_HEAD + frame), n)


def _pcapng_block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    size = len(body) + 12
    return struct.pack("<II", btype, size) + body + struct.pack("<I", size)


def write(path: Path, count: int, seed: int, pcapng: bool = False, vxlan: bool = False) -> None:
    """The capture as classic pcap, or as pcapng (one Ethernet interface, microsecond time
    stamps, an Enhanced Packet Block per packet: what dumpcap and Wireshark write)."""
    rng = random.Random(seed)
    record = struct.Struct("<IIII")
    enhanced = struct.Struct("<IIIIIII")  # block type and length, interface, time, lengths
    t0 = 1_700_000_000.0
    step = 900.0 / count  # the capture spans fifteen minutes
    out: list[bytes] = []
    with path.open("wb") as fh:
        if pcapng:
            fh.write(_pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
            fh.write(_pcapng_block(1, struct.pack("<HHI", 1, 0, 65535)))
        else:
            fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, (src, dst, proto, body) in enumerate(frames(rng, count)):
            frame = ipv4(src, dst, proto, body, n)
            if vxlan:
                frame = mirrored(frame, n)
            ts = t0 + n * step
            sec = int(ts)
            micros = int((ts - sec) * 1e6)
            if pcapng:
                pad = -len(frame) % 4
                units = sec * 1_000_000 + micros
                size = 32 + len(frame) + pad
                out.append(
                    enhanced.pack(
                        6, size, 0, units >> 32, units & 0xFFFFFFFF, len(frame), len(frame)
                    )
                )
                out.append(frame + b"\x00" * pad + struct.pack("<I", size))
            else:
                out.append(record.pack(sec, micros, len(frame), len(frame)))
                out.append(frame)
            if len(out) >= 20000:
                fh.write(b"".join(out))
                out.clear()
        fh.write(b"".join(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--packets", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pcapng", action="store_true", help="write pcapng instead of pcap")
    parser.add_argument("--vxlan", action="store_true", help="every frame mirrored in VXLAN")
    args = parser.parse_args()
    write(args.out, args.packets, args.seed, args.pcapng, args.vxlan)
    print(f"wrote {args.packets:,} packets to {args.out} ({args.out.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
