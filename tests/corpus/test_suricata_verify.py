"""lurewatch's packet analysis against Suricata's own expectations (suricata-verify captures).

The oracle (scripts/suricata_verify_oracle.py) reads each test's `test.yaml`: a folder is
"expected" when Suricata reports an anomaly event or an application-protocol change for it.
The bounds below are what the analysis reaches without any tuning to these files (24 of 29
expected folders, 4 of 42 others). The folders still missed are ones where the traffic keeps
to its standard and Suricata's event reflects its own configuration or parser limits: a
stream depth or transaction limit set on the command line, an authentication type it does
not implement, an MQTT PUBLISH sent before CONNACK
(allowed), an EHLO that resets a transaction (allowed), and PostgreSQL upgraded to TLS, which
lurewatch counts as an allowed upgrade like STARTTLS. The folders whose anomaly lies in what
lurewatch does analyse must be flagged, with the right finding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.conftest import REPO, data_dir

pytestmark = pytest.mark.corpus

MIN_FLAGGED_SHARE = 0.82
MAX_FALSE_ALARM_SHARE = 0.10

# folder -> a finding it must carry (the anomaly Suricata reports there, in lurewatch's words)
MUST_FLAG = {
    "proto-mismatch-http-ssh": "protocol_change",
    "mime/mime-dec-parse-long-filename01": "smtp_malformed",
    "output-eve-anomaly-02": "protocol_port_mismatch",
    "output-eve-anomaly-packethdr": "ip_truncated",
    "bug-8021-ips-pass-verdict-04": "ip_header_anomaly",
    "dns/dns-invalid-opcode": "dns_malformed",
    "llmnr/llmnr-invalid-opcode": "dns_malformed",
    "firewall/tcp-session-stream-out-of-window": "tcp_handshake_anomaly",
    "http-not09-spaces": "http_malformed",
    "bittorrent-dht": "protocol_malformed",  # a query without its transaction id
    "mqtt-events-invalid-qos": "protocol_malformed",  # PUBLISH with QoS 3
    "mqtt5-excessiveproplen": "protocol_malformed",  # CONNECT properties past the packet
    "smtp-bdat-bad-tail-next-mail": "smtp_malformed",  # BDAT with a malformed chunk size
    "smtp-pipelined-rset-data-replies": "smtp_malformed",  # DATA with no MAIL and RCPT
    "ftp-retr-bypass-realserver": "protocol_malformed",  # RETR before PORT or PASV
    "bug-8489/bug-8489-03": "protocol_malformed",  # a burst of commands
    "decode-unknown-2": "ip_header_anomaly",  # an Ethernet frame with nothing after its header
}


@pytest.fixture(scope="module")
def oracle():  # type: ignore[no-untyped-def]
    data = data_dir()
    if data is None or not (data / "pcap" / "suricata-verify").is_dir():
        pytest.skip(
            "suricata-verify captures not found: set LUREWATCH_DATA (expects pcap/suricata-verify/)"
        )
    sys.path.insert(0, str(REPO / "scripts"))
    import suricata_verify_oracle

    return suricata_verify_oracle, suricata_verify_oracle.run(data)


def test_every_folder_is_read_and_only_damage_is_rejected(oracle) -> None:  # type: ignore[no-untyped-def]
    _, verdicts = oracle
    assert len(verdicts) >= 60
    assert all(v.pcap for v in verdicts)
    # smtp-to-comma's capture really is damaged after packet 18 (capinfos says so too)
    rejected = {v.folder: v.rejects for v in verdicts if v.rejects}
    assert set(rejected) <= {"smtp-to-comma"}
    assert all("the file is damaged" in r for reasons in rejected.values() for r in reasons)


def test_share_flagged_and_false_alarms(oracle) -> None:  # type: ignore[no-untyped-def]
    module, verdicts = oracle
    totals = module.totals(verdicts)
    assert totals["expected"] >= 25
    assert totals["flagged_share"] >= MIN_FLAGGED_SHARE, totals
    assert totals["false_alarm_share"] <= MAX_FALSE_ALARM_SHARE, totals


def test_anomalies_within_lurewatch_analysis_are_found(oracle) -> None:  # type: ignore[no-untyped-def]
    _, verdicts = oracle
    by_folder = {v.folder: v for v in verdicts}
    missing = {
        folder: by_folder[folder].anomalies
        for folder, name in MUST_FLAG.items()
        if name not in by_folder[folder].anomalies
    }
    assert missing == {}


def test_oracle_script_prints_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], oracle
) -> None:  # type: ignore[no-untyped-def]
    module, _ = oracle
    assert module.main([str(data_dir())]) == 0
    out = capsys.readouterr().out
    assert "expected folders flagged:" in out and "false alarms" in out
