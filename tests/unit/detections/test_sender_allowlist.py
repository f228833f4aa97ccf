"""allowlist.senders quiets the E1/E2 analytics for trusted senders, never a failed
authentication, and leaves other senders' alerts alone."""

from __future__ import annotations

from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.examples import email_row
from lurewatch.detections.registry import by_id
from lurewatch.detections.sender_allowlist import sender_allowlisted
from lurewatch.detections.testing import example_settings
from lurewatch.store import Store

_RULES = ("email_brand_impersonation", "email_dmarc_fail_enforced")


def _alerts(settings: Settings, **columns: object) -> dict[str, int]:
    with Store(":memory:") as store:
        store.insert("email", [email_row(from__name="PayPal", **columns)])
        ctx = DetectionContext(settings=settings, store=store)
        return dict(run_detections(ctx, [by_id(r) for r in _RULES]).alerts)


def test_an_allowlisted_domain_covers_its_subdomains_and_addresses_match_exactly() -> None:
    settings = example_settings()
    settings.allowlist.senders = ["Payroll-Provider.example", "news@vendor.example"]
    assert sender_allowlisted("pay@mail.payroll-provider.example", settings)
    assert sender_allowlisted("NEWS@vendor.example", settings)
    assert not sender_allowlisted("sales@vendor.example", settings)
    assert not sender_allowlisted("a@notpayroll-provider.example", settings)
    assert not sender_allowlisted(None, settings)


def test_allowlisted_sender_is_quiet_unless_its_authentication_failed() -> None:
    settings = example_settings()
    plain = _alerts(settings, from__address="billing@payments-portal.example")
    assert plain == {"email_brand_impersonation": 1}

    settings.allowlist.senders = ["payments-portal.example"]
    assert _alerts(settings, from__address="billing@payments-portal.example") == {}
    forged = _alerts(
        settings,
        from__address="billing@payments-portal.example",
        **{"lurewatch.auth.composite": "fail", "lurewatch.auth.reason": "dmarc-fail-enforced"},
    )
    assert forged.get("email_brand_impersonation") == 1
    assert forged.get("email_dmarc_fail_enforced") == 1
