"""Monitoring scope and pseudonyms: calls and chat are refused until declared; hashes are keyed."""

from __future__ import annotations

import pytest

from lurewatch.config import Settings
from lurewatch.errors import ConfigError
from lurewatch.privacy import ScopeError, check_scope, pseudonym_key, pseudonymize


def test_calls_and_chat_are_out_of_scope_by_default() -> None:
    s = Settings()
    check_scope(s, {"eml", "zeek"})
    with pytest.raises(ScopeError, match=r"calls is outside the monitoring scope.*\[scope.calls\]"):
        check_scope(s, {"eml", "cdr"})
    with pytest.raises(ScopeError, match="chat"):
        check_scope(s, {"slack"})


def test_enabling_a_channel_needs_owner_and_basis() -> None:
    s = Settings()
    s.scope.calls.monitored = True
    with pytest.raises(ConfigError, match="owner and a legal_basis"):
        s.validate()
    s.scope.calls.owner, s.scope.calls.legal_basis = "SOC", "works council agreement 2026-03"
    s.validate()
    check_scope(s, {"cdr"})


def test_pseudonyms_are_stable_keyed_and_need_a_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert (
        pseudonym_key(s) is None and pseudonymize("+15551234567", None, "phone") == "+15551234567"
    )
    s.privacy.pseudonymize = True
    monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", "short")
    with pytest.raises(ConfigError, match="16 bytes"):
        pseudonym_key(s)
    monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", "k" * 32)
    key = pseudonym_key(s)
    a = pseudonymize("+15551234567", key, "phone")
    assert a == pseudonymize("+15551234567", key, "phone") and a != "+15551234567"
    assert a != pseudonymize("+15551234567", b"x" * 32, "phone")
    assert a is not None and a.startswith("phone:")
