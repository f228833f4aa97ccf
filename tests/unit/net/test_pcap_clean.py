"""Clean traffic: the right flows, states and protocols, and no findings at all."""

from __future__ import annotations

from pathlib import Path

from pcapkit import (
    ACK,
    CLIENT,
    FIN,
    PSH,
    RST,
    SERVER,
    SYN,
    T0,
    Conversation,
    capture,
    dns_message,
    ether,
    icmp_echo,
    ip_packet,
    tls_client_hello,
    tls_server_hello,
    udp,
)

from lurewatch.schema import FLOW, NET_ANOMALY

REQUEST = (
    b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n"
)
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"


def http_conversation() -> Conversation:
    c = Conversation().handshake()
    c.send(True, PSH | ACK, REQUEST)
    c.send(False, ACK)
    c.send(False, PSH | ACK, RESPONSE)
    c.send(True, ACK)
    return c.close()


def test_http_connection_is_one_clean_sf_flow(tmp_path: Path) -> None:
    r = capture(tmp_path, http_conversation().frames)
    assert not r.anomalies and not r.rejects
    f = r.only_flow()
    assert set(f) == {c.name for c in FLOW}
    assert (f["source.ip"], f["source.port"], f["destination.ip"], f["destination.port"]) == (
        CLIENT,
        40000,
        SERVER,
        80,
    )
    assert f["flow.state"] == "SF"
    assert f["flow.history"] == "ShADadFf"
    assert (f["source.packets"], f["destination.packets"]) == (6, 4)
    assert (f["source.bytes"], f["destination.bytes"]) == (len(REQUEST), len(RESPONSE))
    assert f["network.transport"] == "tcp"
    assert f["network.protocol"] == "http"
    assert f["destination.domain"] == "www.example.com"
    assert f["observer.type"] == "pcap" and f["log.offset"] == 1
    assert f["@timestamp"].tzinfo is None and f["@timestamp"].year == 2023
    assert 0 < f["flow.duration"] < 1


def test_tls_on_443_and_ssh_on_22_are_clean(tmp_path: Path) -> None:
    tls = Conversation(cport=40001, sport=443).handshake()
    tls.send(True, PSH | ACK, tls_client_hello("mail.example.org"))
    tls.send(False, PSH | ACK, tls_server_hello())
    tls.close()
    ssh = Conversation(cport=40002, sport=22, ts=T0 + 1).handshake()
    ssh.send(False, PSH | ACK, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    ssh.send(True, PSH | ACK, b"SSH-2.0-OpenSSH_9.6\r\n")
    ssh.close()
    r = capture(tmp_path, sorted(tls.frames + ssh.frames))
    assert not r.anomalies, r.anomalies
    by_port = {f["destination.port"]: f for f in r.flows}
    assert by_port[443]["network.protocol"] == "tls"
    assert by_port[443]["destination.domain"] == "mail.example.org"
    assert by_port[22]["network.protocol"] == "ssh"
    assert {f["flow.state"] for f in r.flows} == {"SF"}


def test_dns_query_and_answer_is_one_clean_flow(tmp_path: Path) -> None:
    q = udp(53001, 53, dns_message(0x1234, "www.example.com"))
    a = udp(53, 53001, dns_message(0x1234, "www.example.com", b"\xc0\x00\x02\x01"))
    frames = [
        (T0, ether(ip_packet(CLIENT, SERVER, q, 17))),
        (T0 + 0.02, ether(ip_packet(SERVER, CLIENT, a, 17))),
    ]
    r = capture(tmp_path, frames)
    assert not r.anomalies, r.anomalies
    f = r.only_flow()
    assert (f["source.ip"], f["destination.port"], f["flow.state"]) == (CLIENT, 53, "SF")
    assert f["network.protocol"] == "dns"
    assert f["flow.history"] is None


def test_ping_and_reply_are_one_clean_flow(tmp_path: Path) -> None:
    frames = [
        (T0, ether(ip_packet(CLIENT, SERVER, icmp_echo(False), 1))),
        (T0 + 0.01, ether(ip_packet(SERVER, CLIENT, icmp_echo(True), 1))),
    ]
    r = capture(tmp_path, frames)
    assert not r.anomalies
    f = r.only_flow()
    assert (f["network.transport"], f["source.ip"], f["flow.state"]) == ("icmp", CLIENT, "SF")
    assert (f["source.packets"], f["destination.packets"]) == (1, 1)


def test_refused_and_unanswered_connections_are_states_not_findings(tmp_path: Path) -> None:
    refused = Conversation(cport=40010)
    refused.send(True, SYN)
    refused.send(False, RST | ACK)
    unanswered = Conversation(cport=40011, ts=T0 + 1)
    unanswered.send(True, SYN)
    r = capture(tmp_path, refused.frames + unanswered.frames)
    assert not r.anomalies
    states = {f["source.port"]: (f["flow.state"], f["flow.history"]) for f in r.flows}
    assert states == {40010: ("REJ", "Sr"), 40011: ("S0", "S")}


def test_zeek_states_of_teardowns(tmp_path: Path) -> None:
    def conv(port: int, *steps: tuple[bool, int]) -> Conversation:
        c = Conversation(cport=port, ts=T0 + port - 40000).handshake()
        for from_client, flags in steps:
            c.send(from_client, flags)
        return c

    convs = [
        conv(40020, (True, RST | ACK)),
        conv(40021, (False, RST | ACK)),
        conv(40022, (True, FIN | ACK)),
        conv(40023, (False, FIN | ACK)),
        conv(40024),
    ]
    r = capture(tmp_path, [fr for c in convs for fr in c.frames])
    states = {f["source.port"]: f["flow.state"] for f in r.flows}
    assert states == {40020: "RSTO", 40021: "RSTR", 40022: "S2", 40023: "S3", 40024: "S1"}


def test_ids_do_not_depend_on_the_file(tmp_path: Path) -> None:
    frames = http_conversation().frames
    a = capture(tmp_path, frames, name="a.pcap")
    (tmp_path / "sub").mkdir()
    b = capture(tmp_path / "sub", frames, name="b.pcap")
    assert [f["event.id"] for f in a.flows] == [f["event.id"] for f in b.flows]
    assert [f["flow.id"] for f in a.flows] == [f["flow.id"] for f in b.flows]
    assert a.flows[0]["log.file.path"] != b.flows[0]["log.file.path"]


def test_a_port_reused_after_close_starts_a_new_flow(tmp_path: Path) -> None:
    first = http_conversation()
    second = Conversation(ts=first.ts + 1, cseq=90000).handshake().close()
    r = capture(tmp_path, first.frames + second.frames)
    assert [f["flow.state"] for f in r.flows] == ["SF", "SF"]
    assert not r.anomalies


def test_idle_udp_flows_expire_and_the_tuple_starts_again(tmp_path: Path) -> None:
    q = udp(53001, 53, dns_message(1, "a.example"))
    a = udp(53, 53001, dns_message(1, "a.example", b"\x01\x02\x03\x04"))
    frames = [
        (T0, ether(ip_packet(CLIENT, SERVER, q, 17))),
        (T0 + 0.1, ether(ip_packet(SERVER, CLIENT, a, 17))),
        (T0 + 500, ether(ip_packet(CLIENT, SERVER, q, 17))),
        (T0 + 500.1, ether(ip_packet(SERVER, CLIENT, a, 17))),
    ]
    r = capture(tmp_path, frames)
    assert len(r.flows) == 2
    assert {f["flow.state"] for f in r.flows} == {"SF"}
    assert not r.anomalies


def test_anomaly_rows_have_the_schema_columns(tmp_path: Path) -> None:
    c = Conversation()
    c.send(True, SYN | FIN)
    r = capture(tmp_path, c.frames)
    assert r.anomalies
    assert set(r.anomalies[0]) == {col.name for col in NET_ANOMALY}
