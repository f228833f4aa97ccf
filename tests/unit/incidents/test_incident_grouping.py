"""Grouping: a shared entity within the window joins alerts; time, exclusions and common entities
keep unrelated ones apart."""

from __future__ import annotations

from alertkit import alert, groups_of, store_alerts

from lurewatch.config import Settings
from lurewatch.incidents.build import build_incidents
from lurewatch.store import Store


def settings(**incidents: object) -> Settings:
    s = Settings()
    s.organization.domains = ["corp.example"]
    for k, v in incidents.items():
        setattr(s.incidents, k, v)
    return s


def test_shared_domain_within_window_is_one_incident(store: Store) -> None:
    store_alerts(
        store,
        alert("url_lookalike", "U2", 0, sender="a@evil.example", url_domains=["pay-corp.example"]),
        alert(
            "proc_flagged_link_connection",
            "P1",
            45,
            evidence_kind="proc_net",
            host="ws-1.corp.example",
            domain="pay-corp.example",
            process="C:\\Windows\\System32\\mshta.exe",
        ),
    )
    build_incidents(store, settings())
    assert groups_of(store) == [{"url_lookalike", "proc_flagged_link_connection"}]


def test_registrable_domain_links_subdomains_and_urls(store: Store) -> None:
    store_alerts(
        store,
        alert("url_known_bad", "U2", 0, urls=["https://login.pay-corp.example/x"]),
        alert("proc_should_not_connect", "P2", 10, host="ws-2", domain="cdn.pay-corp.example"),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 1


def test_shared_entity_outside_window_is_separate(store: Store) -> None:
    store_alerts(
        store,
        alert("url_lookalike", "U2", 0, sender="a@evil.example", url_domains=["pay-corp.example"]),
        alert("proc_should_not_connect", "P2", 60 * 30, host="ws-1", domain="pay-corp.example"),
    )
    build_incidents(store, settings(window_hours=24.0))
    assert len(groups_of(store)) == 2
    build_incidents(store, settings(window_hours=48.0))
    assert len(groups_of(store)) == 1


def test_window_bounds_the_gap_between_neighbours_not_the_incident(store: Store) -> None:
    store_alerts(
        store,
        *(alert(f"rule_{i}", "E1", 60 * 20 * i, sender="a@evil.example") for i in range(4)),
    )
    build_incidents(store, settings(window_hours=24.0))
    assert len(groups_of(store)) == 1


def test_no_shared_entity_is_separate(store: Store) -> None:
    store_alerts(
        store,
        alert(
            "email_vip_impersonation",
            "E1",
            0,
            sender="ceo.office@gmail.com",
            recipients=["x@corp.example"],
        ),
        alert(
            "email_risky_attachment",
            "E1",
            5,
            sender="bill@invoices.example",
            recipients=["y@corp.example"],
        ),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 2


def test_org_domain_freemail_and_shortener_never_link(store: Store) -> None:
    store_alerts(
        store,
        alert("a", "E1", 0, sender="one@gmail.com", sender_domain="gmail.com"),
        alert("b", "E1", 1, sender="two@gmail.com", sender_domain="gmail.com"),
        alert("c", "E1", 2, sender="x@corp.example", sender_domain="corp.example"),
        alert("d", "E1", 3, sender="y@corp.example", sender_domain="corp.example"),
        alert("e", "U2", 4, sender="p@p.example", urls=["https://bit.ly/abc"]),
        alert("f", "U2", 5, sender="q@q.example", urls=["https://bit.ly/xyz"]),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 6


def test_ignored_values_and_networks_never_link(store: Store) -> None:
    store_alerts(
        store,
        alert("net_a", "N1", 0, source_ip="10.0.0.1", destination_ip="198.51.100.1"),
        alert("net_b", "N1", 1, source_ip="10.0.0.1", destination_ip="198.51.100.2"),
        alert("net_c", "N1", 2, source_ip="10.9.9.9", host="proxy01"),
        alert("net_d", "N1", 3, source_ip="10.9.9.8", host="proxy01"),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 2
    build_incidents(store, settings(ignore_networks=["10.0.0.0/24"], ignore_values=["PROXY01"]))
    assert len(groups_of(store)) == 4


def test_entity_seen_from_many_origins_does_not_glue_them(store: Store) -> None:
    # Six unrelated senders all link to one popular site; each sender is its own story.
    alerts = [
        alert(
            f"url_rule_{i}", "U2", i, sender=f"x@sender{i}.example", url_domains=["popular.example"]
        )
        for i in range(6)
    ]
    store_alerts(store, *alerts)
    build_incidents(store, settings(max_origins=5))
    assert len(groups_of(store)) == 6
    build_incidents(store, settings(max_origins=6))
    assert len(groups_of(store)) == 1


def test_one_campaign_of_many_alerts_stays_one_incident(store: Store) -> None:
    # Thirty alerts, one sender: a campaign, however many alerts name its domain.
    alerts = [
        alert(
            "url_lookalike",
            "U2",
            2 * i,
            key=str(i),
            sender="n@payroll.example",
            recipients=[f"u{i}@corp.example"],
            url_domains=["corp-payroll.example"],
        )
        for i in range(30)
    ]
    store_alerts(store, *alerts)
    build_incidents(store, settings())
    assert len(groups_of(store)) == 1


def test_shared_service_account_does_not_join_hosts(store: Store) -> None:
    store_alerts(
        store,
        alert("proc_a", "P2", 0, host="ws-1", user="NT AUTHORITY\\SYSTEM"),
        alert("proc_b", "P2", 1, host="ws-2", user="NT AUTHORITY\\SYSTEM"),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 2


def test_same_executable_on_two_hosts_is_two_processes(store: Store) -> None:
    store_alerts(
        store,
        alert("proc_a", "P2", 0, host="ws-1", process="C:\\Windows\\System32\\mshta.exe"),
        alert("proc_b", "P2", 1, host="ws-2", process="C:\\Windows\\System32\\mshta.exe"),
        alert("proc_c", "P2", 2, host="ws-2", process="C:\\Windows\\System32\\MSHTA.EXE"),
    )
    build_incidents(store, settings())
    assert groups_of(store) == [{"proc_a"}, {"proc_b", "proc_c"}]


def test_example_configuration_documents_incidents() -> None:
    from tests.conftest import REPO

    from lurewatch.config import load_settings

    s = load_settings(REPO / "docs" / "lurewatch.example.toml")
    assert s.incidents.window_hours == 24.0 and s.incidents.max_origins == 5
    assert s.incidents.ignore_networks and s.incidents.ignore_domains


def test_colleagues_are_separate_origins(store: Store) -> None:
    # Six internal senders (a compromised-account spree, or ordinary internal mail) that all
    # reach one mailbox: each colleague is an origin of their own, so the mailbox links nothing.
    store_alerts(
        store,
        *(
            alert(
                f"email_rule_{i}",
                "E1",
                i,
                sender=f"p{i}@corp.example",
                recipients=["cfo@corp.example"],
            )
            for i in range(6)
        ),
    )
    build_incidents(store, settings())
    assert len(groups_of(store)) == 6
