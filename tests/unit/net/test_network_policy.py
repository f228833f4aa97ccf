"""Network settings, the benign-services list, allowlists and host roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from lurewatch.config import load_settings
from lurewatch.errors import ConfigError
from lurewatch.net.policy import (
    bundled_benign_services,
    domain_suffix_match,
    load_benign_services,
    network_policy,
    parse_benign_services,
)

REPO = Path(__file__).resolve().parents[3]


def test_bundled_list_holds_time_revocation_updates_and_checks() -> None:
    b = bundled_benign_services()
    for name in ("pool.ntp.org", "time.windows.com", "ocsp.digicert.com", "windowsupdate.com",
                 "connectivitycheck.gstatic.com", "ubuntu.com"):  # fmt: skip
        assert name in b.domains
    assert any(str(n) == "162.159.200.0/24" for n in b.networks)


def test_suffix_match_covers_subdomains_only_on_label_boundaries() -> None:
    names = frozenset({"windowsupdate.com"})
    assert domain_suffix_match("ctldl.windowsupdate.com", names) == "windowsupdate.com"
    assert domain_suffix_match("WindowsUpdate.com.", names) == "windowsupdate.com"
    assert domain_suffix_match("evilwindowsupdate.com", names) is None
    assert domain_suffix_match(None, names) is None


def test_own_file_replaces_the_bundled_list(tmp_path: Path) -> None:
    own = tmp_path / "benign.txt"
    own.write_text("# ours\n*.corp-updates.example\n198.51.100.0/24  # mirror\n")
    b = load_benign_services(str(own))
    assert b.domains == frozenset({"corp-updates.example"})
    assert [str(n) for n in b.networks] == ["198.51.100.0/24"]
    with pytest.raises(ConfigError, match="line 1"):
        parse_benign_services("not a domain\n", "x.txt")
    with pytest.raises(ConfigError, match="network.benign_services_file"):
        load_benign_services(str(tmp_path / "missing.txt"))


def _settings(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "lurewatch.toml"
    path.write_text(body)
    return load_settings(path)


def test_network_section_loads_and_policy_applies(tmp_path: Path) -> None:
    s = _settings(
        tmp_path,
        """
[network]
learning_days = 3
beacon_min_score = 0.7
allow_domains = ["*.vendor-telemetry.example"]
allow_networks = ["198.51.100.0/24"]
[network.host_roles]
"10.9.0.0/16" = "scanner"
"10.0.0.5" = "monitoring"
[network.role_exemptions]
scanner = ["net_new_destination", "net_beaconing"]
""",
    )
    assert s.network.learning_days == 3 and s.network.beacon_min_score == 0.7
    p = network_policy(s)
    assert p.allowed("1.2.3.4", "eu.vendor-telemetry.example") == "domain vendor-telemetry.example"
    assert p.allowed("198.51.100.7", None) == "network 198.51.100.0/24"
    assert p.allowed("1.2.3.4", "time.windows.com") == "domain time.windows.com"  # bundled
    assert p.allowed("1.2.3.4", "evil.example") is None
    # The configured role replaces the default rules for that role; other roles keep theirs.
    assert p.exempt_role("10.9.3.4", "net_beaconing") == "scanner"
    assert p.exempt_role("10.9.3.4", "net_new_port_protocol") is None
    assert p.exempt_role("10.0.0.5", "net_long_connection") == "monitoring"
    assert p.exempt_role("10.0.0.6", "net_long_connection") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[network]\nallow_networks = ["10.0.0.0/33"]\n', "not an address"),
        ('[network.host_roles]\n"10.0.0.1" = ""\n', "must name a role"),
        ('[network.role_exemptions]\nscanner = ["net_nonsense"]\n', "rule ids"),
        ("[network]\nbeacon_min_score = 1.5\n", "beacon_min_score"),
        ("[network]\nbeacon_window = 3\n", "unknown setting"),
        ("[network]\nvolume_factor = 1\n", "volume_factor"),
    ],
)
def test_bad_network_settings_are_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(tmp_path, body)


def test_example_configuration_documents_the_network_section() -> None:
    s = load_settings(REPO / "docs" / "lurewatch.example.toml")
    assert s.network.host_roles  # the example shows roles
    assert s.network.allow_domains


def test_every_network_rule_can_be_exempted_by_role() -> None:
    from lurewatch.config_network import NET_RULES
    from lurewatch.detections.registry import all_detections

    net_rules = {d.id for d in all_detections() if d.id.startswith("net_")}
    assert net_rules == set(NET_RULES)
