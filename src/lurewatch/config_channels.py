"""The `[calls]` and `[chat]` settings: call-log and chat channels (V1, S1).

Kept beside config.py, which loads them like every other section (unknown keys are errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lurewatch.errors import ConfigError

# The fields of a call record that a CDR column mapping names (see readers/cdr/presets.py).
CDR_ROLES = (
    "caller", "callee", "start", "duration", "answered", "direction", "trunk", "device", "user",
    "caller_device", "callee_device", "record_id",
)  # fmt: skip


@dataclass
class Calls:
    # Column mapping of CDR CSV files: "auto" recognises Cisco CUCM, Microsoft Teams PSTN /
    # Direct Routing, Webex Calling and Asterisk / FreePBX exports (Asterisk's Master.csv has no
    # header line) and the generic layout; "cucm", "teams", "webex", "asterisk" or "generic"
    # force one; "custom" uses [calls.mapping].
    preset: str = "auto"
    # Custom mapping, field = "CSV header" (several headers as "a|b": the first non-empty wins).
    # Fields: caller, callee, start (required), duration, answered, direction, trunk, device,
    # user, caller_device, callee_device, record_id. Headers match ignoring case and punctuation.
    mapping: dict[str, str] = field(default_factory=dict)
    # Region (ISO 3166 alpha-2) of numbers written without a country code.
    default_region: str = "US"
    # Time zone (IANA name) of CDR timestamps written without an offset.
    timezone: str = "UTC"
    # Internal extensions: patterns with X for any digit ("2XXX") or ranges ("4000-4999").
    # Empty: any number of at most max_extension_digits digits is an extension.
    extensions: list[str] = field(default_factory=list)
    max_extension_digits: int = 6
    # The organization's own numbers (DIDs, main lines): E.164 numbers, patterns with X
    # ("+1415555XXXX") or ranges ("+14155550100-+14155550199"). A call between two of these or
    # extensions is internal; they decide direction and which side is the employee.
    internal_numbers: list[str] = field(default_factory=list)
    # Digits dialed before an outside number (e.g. "9"), removed before the number is parsed.
    access_code: str = ""
    # Trunks and gateways facing the public network (glob patterns, any case). Empty: any trunk
    # a record names, and for CUCM any device that is not a Cisco endpoint (SEP..., CSF...), for
    # Asterisk any channel that is not an extension's or Local. Asterisk trunks match by their
    # peer ("provider-*") or as TECH/peer ("pjsip/provider-*").
    external_trunks: list[str] = field(default_factory=list)
    # Help-desk and VIP numbers or extensions: a fan-out reaching them is high severity.
    helpdesk_numbers: list[str] = field(default_factory=list)
    vip_numbers: list[str] = field(default_factory=list)
    # Known-bad numbers: robocall CSV (phone_e164, scam_category), plain lists (one number per
    # line, optional ",category"), STIX 2.1 bundles. Phone indicators in intel.feeds count too.
    intel_files: list[str] = field(default_factory=list)
    # External numbers never reported by fan-out, burst and unusual-origin rules (E.164).
    allow_numbers: list[str] = field(default_factory=list)
    # One external number reaching at least this many distinct employees ...
    fanout_min_employees: int = 5
    # ... within this many minutes raises voice_external_fanout.
    fanout_window_minutes: int = 60
    # A number seen for the first time that calls employees at least this many times ...
    burst_min_calls: int = 4
    # ... within this many minutes of its first call raises voice_new_number_burst.
    burst_window_minutes: int = 30
    # Days of call history before "first seen" and "never seen" mean anything: numbers,
    # countries and number types first seen inside them are learned, not reported.
    min_history_days: int = 7
    # Number types whose first appearance is medium severity (others are low).
    risky_types: list[str] = field(
        default_factory=lambda: ["premium_rate", "shared_cost", "personal_number", "uan"]
    )

    def validate(self) -> None:
        if self.preset not in ("auto", "cucm", "teams", "webex", "asterisk", "generic", "custom"):
            raise ConfigError(
                "calls.preset must be auto, cucm, teams, webex, asterisk, generic or custom, "
                f"not {self.preset!r}"
            )
        if not isinstance(self.mapping, dict):
            raise ConfigError('calls.mapping must be a table of field = "CSV header"')
        for key, value in self.mapping.items():
            if key not in CDR_ROLES or not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    f"calls.mapping.{key}: fields are {', '.join(CDR_ROLES)}, each a header name"
                )
        if self.preset == "custom" and not {"caller", "callee", "start"} <= set(self.mapping):
            raise ConfigError("calls.preset = custom needs calls.mapping caller, callee and start")
        for name in ("fanout_min_employees", "burst_min_calls"):
            if getattr(self, name) < 2:
                raise ConfigError(f"calls.{name} must be at least 2")
        for name in ("fanout_window_minutes", "burst_window_minutes", "max_extension_digits"):
            if getattr(self, name) < 1:
                raise ConfigError(f"calls.{name} must be at least 1")
        if self.min_history_days < 0:
            raise ConfigError("calls.min_history_days must not be negative")


@dataclass
class Chat:
    # Slack workspace (team) ids of the organization. Empty: the team that most non-guest users
    # in the export's users.json belong to. Members of any other team (Slack Connect) are external.
    slack_team_ids: list[str] = field(default_factory=list)
    # Microsoft Entra tenant ids of the organization. Teams senders of another tenant are
    # external; without any configured, Entra users of the Teams input are "unknown".
    teams_tenant_ids: list[str] = field(default_factory=list)
    # Domains whose chat handles (e-mail addresses) are internal, besides organization.domains.
    internal_domains: list[str] = field(default_factory=list)
    # Characters of message text analysed and kept; longer text is cut here (Slack's own limit).
    max_text_chars: int = 40000
    # Largest chat file read, in bytes (a Slack day or a Teams page is read whole); larger files
    # are rejected with their size. JSON-lines files are streamed and have no such limit.
    max_file_bytes: int = 67108864
    # Extra intent rules in the format of the bundled data/intent_rules.toml, added to them.
    intent_rules_file: str = ""
    # Files of texts the organization labelled ("label<TAB>text", or CSV with label and text
    # columns) to train the statistical intent model at the start of each run. Empty: the
    # transparent rules alone. Needs scikit-learn.
    intent_training: list[str] = field(default_factory=list)
    # Model probability from which a message is reported on the model's word alone (0..1).
    intent_model_threshold: float = 0.9
    # An outside account with at most this many earlier messages is "unknown" when it first
    # shares or receives a file.
    unknown_max_messages: int = 3
    # Days at the start of the chat data that only teach the baselines: every account is new
    # there, so no share in them is called a first share with an unknown account.
    warmup_days: int = 7
    # A sender's daily shared volume alerts when it is at least volume_factor times their usual
    # day (the mean of their other active days) ...
    volume_factor: float = 10.0
    # ... and at least this many bytes ...
    volume_min_bytes: int = 104857600
    # ... and they have at least this many other active days to compare with.
    volume_min_days: int = 5

    def validate(self) -> None:
        if not 0 < self.intent_model_threshold <= 1:
            raise ConfigError("chat.intent_model_threshold must be above 0 and at most 1")
        if self.max_text_chars < 100 or self.max_file_bytes < 4096:
            raise ConfigError("chat.max_text_chars must be >= 100 and max_file_bytes >= 4096")
        if self.volume_factor <= 1 or self.volume_min_days < 1:
            raise ConfigError("chat.volume_factor must be above 1 and volume_min_days at least 1")
