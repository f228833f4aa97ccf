"""MQTT: recognised from its CONNECT, and a conversation checked against MQTT 3.1.1 and 5.0."""

from __future__ import annotations

import pytest
from payloadkit import (
    CONNACK,
    CONNACK5,
    DISCONNECT,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBLISH_QOS1,
    SUBACK,
    SUBSCRIBE,
    mqtt_connect,
    mqtt_packet,
    mqtt_string,
)

from lurewatch.net.payload import identify, session
from lurewatch.net.payload.mqtt import MqttSession, looks_like_mqtt


def run(*packets: tuple[bool, bytes]) -> list[tuple[str, str]]:
    s = MqttSession()
    found: list[tuple[str, str]] = []
    for from_client, payload in packets:
        found += s.feed(payload, from_client)
    return found


def details(found: list[tuple[str, str]]) -> str:
    assert all(name == "protocol_malformed" for name, _ in found)
    return " | ".join(d for _, d in found)


def test_identified_from_connect_only() -> None:
    assert identify(mqtt_connect(), "tcp", True) == "mqtt"
    assert identify(mqtt_connect(3), "tcp", True) == "mqtt"
    assert identify(mqtt_connect(5), "tcp", True) == "mqtt"
    assert identify(CONNACK, "tcp", False) is None  # four bytes say too little
    assert not looks_like_mqtt(b"\x10\x05hello")
    assert not looks_like_mqtt(b"\x10\xff\xff\xff\xff\xff")


@pytest.mark.parametrize("level", [3, 4])
def test_a_normal_session_is_clean(level: int) -> None:
    assert (
        run(
            (True, mqtt_connect(level)),
            (False, CONNACK),
            (True, SUBSCRIBE),
            (False, SUBACK),
            (True, PUBLISH_QOS1),
            (False, PUBACK),
            (True, PINGREQ),
            (False, PINGRESP),
            (True, DISCONNECT),
        )
        == []
    )


def test_a_normal_mqtt5_session_is_clean() -> None:
    props = b"\x05\x11\x00\x00\x0e\x10"  # Session Expiry Interval 3600
    publish = mqtt_packet(
        0x30, mqtt_string(b"t") + b"\x03\x01\x01\x00" + b"hi"
    )  # Payload Format Indicator
    assert (
        run(
            (True, mqtt_connect(5, properties=props)),
            (False, CONNACK5),
            (True, publish),
            (True, DISCONNECT),
        )
        == []
    )


def test_packets_split_and_packed_across_segments() -> None:
    stream = mqtt_connect() + PUBLISH_QOS1 + PINGREQ
    s = MqttSession()
    found = []
    for i in range(0, len(stream), 3):
        found += s.feed(stream[i : i + 3], True)
    assert found == []
    assert s.seen[0] == 3


def test_publish_with_qos_3() -> None:
    bad = mqtt_packet(0x36, mqtt_string(b"topicX") + b"\x00\x01" + b"payload")
    assert "QoS 3" in details(run((True, mqtt_connect()), (False, CONNACK), (True, bad)))


def test_first_packet_must_be_connect_and_only_once() -> None:
    assert "first packet is PUBLISH, not CONNECT" in details(run((True, PUBLISH_QOS1)))
    assert "second MQTT CONNECT" in details(
        run((True, mqtt_connect()), (False, CONNACK), (True, mqtt_connect()))
    )
    assert "server's first packet is SUBACK, not CONNACK" in details(
        run((True, mqtt_connect()), (False, SUBACK))
    )


def test_packets_in_the_wrong_direction_and_reserved_types() -> None:
    assert "CONNACK sent by the client" in details(run((True, mqtt_connect()), (True, CONNACK)))
    assert "type 0 is reserved" in details(
        run((True, mqtt_connect()), (True, mqtt_packet(0x00, b"")))
    )


def test_fixed_header_flags_from_3_1_1_on() -> None:
    bad_subscribe = mqtt_packet(0x80, SUBSCRIBE[2:])
    assert "flags 0000 (must be 0010" in details(run((True, mqtt_connect()), (True, bad_subscribe)))
    assert run((True, mqtt_connect(3)), (True, bad_subscribe)) == []  # MQTT 3.1 left them open


def test_connect_fields() -> None:
    assert "reserved flag" in details(run((True, mqtt_connect(flags=0x03))))
    mixed = mqtt_packet(0x10, mqtt_string(b"MQTT") + b"\x03\x02\x00\x3c" + mqtt_string(b"c"))
    assert "at level 3" in details(run((True, mixed)))


def test_mqtt5_properties_longer_than_the_mqtt_packet() -> None:
    found = details(run((True, mqtt_connect(5, properties=b"\xff\x21\x00\x14"))))
    assert "properties of 4351 bytes" in found
    publish = mqtt_packet(0x30, mqtt_string(b"t") + b"\x40" + b"x")
    assert "PUBLISH properties of 64 bytes" in details(
        run((True, mqtt_connect(5)), (False, CONNACK5), (True, publish))
    )


def test_remaining_length_over_four_bytes() -> None:
    assert "longer than 4 bytes" in details(
        run((True, mqtt_connect()), (True, b"\x30\xff\xff\xff\xff\x01"))
    )


def test_each_finding_once_per_flow_and_through_the_public_session() -> None:
    bad = mqtt_packet(0x36, mqtt_string(b"t") + b"\x00\x01")
    s = session("mqtt")
    assert s is not None
    s.feed(mqtt_connect(), True)
    assert len(s.feed(bad + bad, True)) == 1
    assert s.feed(bad, True) == []


def test_an_overlong_packet_is_passed_over() -> None:
    big = mqtt_packet(0x30, mqtt_string(b"firmware") + bytes(70000))
    s = MqttSession()
    found = s.feed(mqtt_connect(), True)
    for i in range(0, len(big), 1400):
        found += s.feed(big[i : i + 1400], True)
    found += s.feed(PINGREQ, True)
    assert found == []
    assert s.seen[0] == 3
