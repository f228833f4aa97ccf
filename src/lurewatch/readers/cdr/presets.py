"""Column mappings of real CDR exports, and the generic layout.

A mapping names, for each field of a call record, the CSV header(s) that hold it; where several
are listed, the first non-empty value wins. Headers match ignoring case, spaces and punctuation,
so `callerNumber`, `CallerNumber` and `Caller Number` are one name.

Fields: caller, callee, start (required); duration (seconds or H:MM:SS); answered (yes-words or
a non-zero number); direction (the direction or call type the system declares); trunk (the
trunk or gateway the call used); device and user (of the employee side); caller_device and
callee_device (systems that name the device on each side instead of a trunk); record_id (the
system's own id of the record, part of the event id).

Presets, and where their column names come from:
- cucm: Cisco Unified CM CDR flat files (CDR Analysis and Reporting / CDR Repository export):
  the field names of Cisco's "CDR Field Descriptions" (cdrRecordType, globalCallID_callId,
  dateTimeOrigination in epoch seconds UTC, callingPartyNumber, originalCalledPartyNumber,
  finalCalledPartyNumber, dateTimeConnect (0 when unanswered), duration, origDeviceName,
  destDeviceName, pkid, ...). The second line of a CUCM file holds the column data types
  (INTEGER, VARCHAR(50), ...) and is skipped. Phones are named after their kind and MAC
  (SEP..., CSF...); any other device on a side is a trunk or gateway.
- teams: Microsoft Teams PSTN calls and Direct Routing calls as Microsoft Graph returns them
  (callRecords pstnCallLogRow / directRoutingLogRow: callerNumber, calleeNumber, callType such
  as user_in / user_out / ByotIn / ByotOut..., startDateTime, duration, userPrincipalName,
  successfulCall, trunkFullyQualifiedDomainName), exported to CSV (PowerShell's "#TYPE" line is
  skipped; the admin center's spaced headers such as "Start time" match too); every record is a
  call to or from the public network, so the declared direction says which side is outside.
- webex: Webex Calling detailed call history (Control Hub export and CDR API): Start time,
  Duration, Answered, Direction (ORIGINATING / TERMINATING, relative to the user), Calling
  number, Called number, User, Device MAC, Inbound trunk, Outbound trunk, Report ID.
- asterisk: Asterisk's own CDR CSV (cdr_csv's Master.csv, which has no header line: the fields
  in Asterisk's documented order, accountcode, src, dst, dcontext, clid, channel, dstchannel,
  lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, uniqueid,
  userfield, and with newcdrcolumns peeraccount, linkedid, sequence) and the FreePBX CDR
  reports exported with a header (calldate for start). billsec is the time talked;
  disposition ANSWERED marks an answered call. Asterisk declares no direction: the dial plan
  ([calls] extensions and internal_numbers) decides which side is the organization's, and the
  channels which call came in over a trunk: a channel of an extension (PJSIP/4004-0000002a)
  or a Local one is a phone, any other (PJSIP/provider-0000002b, DAHDI/1-1) a trunk.
- generic: common names of PBX exports (caller/callee, src/dst, calling/called number, start
  time, duration, direction, trunk, user).
Column names of cucm come from Cisco's field list (release 6.1 to 11.5); those of teams from
Microsoft Graph's documented properties; those of webex from the Webex Calling CDR reference;
those of asterisk from Asterisk's CDR field list (cdr_csv.conf and the CDR specification).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lurewatch.config_channels import CDR_ROLES

__all__ = ["ASTERISK_COLUMNS", "CUCM_COLUMNS", "PRESETS", "Preset", "norm"]

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def norm(header: str) -> str:
    """A header as compared: lower case, letters and digits only."""
    return _NON_ALNUM.sub("", header.strip().strip("\ufeff").lower())


@dataclass(frozen=True)
class Preset:
    name: str
    columns: dict[str, tuple[str, ...]]  # field -> header candidates, first non-empty wins
    identify: tuple[str, ...]  # headers that all appear in this export and not in others
    # Every record is a call to or from the public network (its direction says which side).
    pstn_only: bool = False
    # Device-name prefixes of phones; another device on a side is a trunk or gateway.
    endpoint_prefixes: tuple[str, ...] = ()
    # The device columns hold Asterisk channels (TECH/peer-uniqueid): see normalize.channel_peer.
    channels: bool = False
    normalized: dict[str, tuple[str, ...]] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(CDR_ROLES)
        assert not unknown, f"{self.name}: unknown fields {unknown}"
        object.__setattr__(
            self, "normalized", {k: tuple(norm(h) for h in v) for k, v in self.columns.items()}
        )


CUCM = Preset(
    name="cucm",
    columns={
        "caller": ("callingPartyNumber",),
        "callee": ("finalCalledPartyNumber", "originalCalledPartyNumber"),
        "start": ("dateTimeOrigination",),
        "duration": ("duration",),
        "answered": ("dateTimeConnect",),
        "caller_device": ("origDeviceName",),
        "callee_device": ("destDeviceName",),
        "record_id": ("pkid", "globalCallID_callId"),
    },
    identify=("cdrRecordType", "globalCallID_callId", "dateTimeOrigination", "callingPartyNumber"),
    endpoint_prefixes=("SEP", "CSF", "BOT", "TCT", "TAB", "ATA", "CIPC", "UCCX"),
)

TEAMS = Preset(
    name="teams",
    columns={
        "caller": ("callerNumber",),
        "callee": ("calleeNumber",),
        "start": ("startDateTime", "Start time"),
        "duration": ("duration", "Duration (seconds)"),
        "answered": ("successfulCall",),
        "direction": ("callType",),
        "trunk": ("trunkFullyQualifiedDomainName",),
        "user": ("userPrincipalName", "UPN"),
        "record_id": ("id", "callId", "correlationId"),
    },
    identify=("callerNumber", "calleeNumber", "callType"),
    pstn_only=True,
)

WEBEX = Preset(
    name="webex",
    columns={
        "caller": ("Calling number",),
        "callee": ("Called number",),
        "start": ("Start time",),
        "duration": ("Duration",),
        "answered": ("Answered",),
        "direction": ("Direction",),
        "trunk": ("Inbound trunk", "Outbound trunk"),
        "device": ("Device MAC",),
        "user": ("User",),
        "record_id": ("Report ID", "Local call ID"),
    },
    identify=("Calling number", "Called number", "Start time", "Direction"),
)

ASTERISK = Preset(
    name="asterisk",
    columns={
        "caller": ("src",),
        "callee": ("dst",),
        "start": ("start", "calldate"),
        "duration": ("billsec", "duration"),
        "answered": ("disposition",),
        "caller_device": ("channel",),
        "callee_device": ("dstchannel",),
        "record_id": ("uniqueid",),
    },
    identify=("src", "dst", "dcontext", "lastapp", "disposition", "amaflags"),
    channels=True,
)

GENERIC = Preset(
    name="generic",
    columns={
        "caller": ("caller", "caller_number", "calling_number", "from_number", "src", "ani"),
        "callee": ("callee", "callee_number", "called_number", "to_number", "dst", "dnis"),
        "start": ("start", "start_time", "call_start", "calldate", "timestamp", "date_time"),
        "duration": ("duration", "duration_seconds", "billsec"),
        "answered": ("answered", "disposition", "status"),
        "direction": ("direction", "call_direction"),
        "trunk": ("trunk", "trunk_name", "gateway"),
        "device": ("device", "device_name"),
        "user": ("user", "user_name", "username", "upn", "employee"),
        "record_id": ("call_id", "record_id", "uniqueid", "id"),
    },
    identify=(),  # recognised by having a caller, a callee and a start column
)

PRESETS: dict[str, Preset] = {p.name: p for p in (CUCM, TEAMS, WEBEX, ASTERISK, GENERIC)}

# The fields of Asterisk's Master.csv, in order: the file has no header line. The last three
# are written with cdr_csv's newcdrcolumns (Asterisk 1.8 on).
ASTERISK_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
)  # fmt: skip

# The header of a CUCM 11.x CDR file, in order (Cisco's CDR field list); the demo writes it.
CUCM_COLUMNS = (
    "cdrRecordType", "globalCallID_callManagerId", "globalCallID_callId", "origLegCallIdentifier",
    "dateTimeOrigination", "origNodeId", "origSpan", "origIpAddr", "callingPartyNumber",
    "callingPartyUnicodeLoginUserID", "origCause_location", "origCause_value",
    "origPrecedenceLevel", "origMediaTransportAddress_IP", "origMediaTransportAddress_Port",
    "origMediaCap_payloadCapability", "origMediaCap_maxFramesPerPacket",
    "origMediaCap_g723BitRate", "origVideoCap_Codec", "origVideoCap_Bandwidth",
    "origVideoCap_Resolution", "origVideoTransportAddress_IP", "origVideoTransportAddress_Port",
    "origRSVPAudioStat", "origRSVPVideoStat", "destLegCallIdentifier", "destNodeId", "destSpan",
    "destIpAddr", "originalCalledPartyNumber", "finalCalledPartyNumber",
    "finalCalledPartyUnicodeLoginUserID", "destCause_location", "destCause_value",
    "destPrecedenceLevel", "destMediaTransportAddress_IP", "destMediaTransportAddress_Port",
    "destMediaCap_payloadCapability", "destMediaCap_maxFramesPerPacket",
    "destMediaCap_g723BitRate", "destVideoCap_Codec", "destVideoCap_Bandwidth",
    "destVideoCap_Resolution", "destVideoTransportAddress_IP", "destVideoTransportAddress_Port",
    "destRSVPAudioStat", "destRSVPVideoStat", "dateTimeConnect", "dateTimeDisconnect",
    "lastRedirectDn", "pkid", "originalCalledPartyNumberPartition",
    "callingPartyNumberPartition", "finalCalledPartyNumberPartition", "lastRedirectDnPartition",
    "duration", "origDeviceName", "destDeviceName", "origCallTerminationOnBehalfOf",
    "destCallTerminationOnBehalfOf", "origCalledPartyRedirectOnBehalfOf",
    "lastRedirectRedirectOnBehalfOf", "origCalledPartyRedirectReason",
    "lastRedirectRedirectReason", "destConversationID", "globalCallId_ClusterId",
    "joinOnBehalfOf", "Comment", "authCodeDescription", "authorizationLevel",
    "clientMatterCode", "origDTMFMethod", "destDTMFMethod", "callSecuredStatus",
    "origConversationID", "origMediaCap_Bandwidth", "destMediaCap_Bandwidth",
    "authorizationCodeValue", "outpulsedCallingPartyNumber", "outpulsedCalledPartyNumber",
    "origIpv4v6Addr", "destIpv4v6Addr", "IncomingProtocolID", "IncomingProtocolCallRef",
    "OutgoingProtocolID", "OutgoingProtocolCallRef", "currentRoutingReason",
    "origRoutingReason", "lastRedirectingRoutingReason", "huntPilotDN", "huntPilotPartition",
    "calledPartyPatternUsage", "wasCallQueued", "totalWaitTimeInQueue",
    "callingPartyNumber_uri", "originalCalledPartyNumber_uri", "finalCalledPartyNumber_uri",
    "lastRedirectDn_uri", "outpulsedOriginalCalledPartyNumber",
    "outpulsedLastRedirectingNumber", "mobileCallingPartyNumber", "finalMobileCalledPartyNumber",
    "origMobileDeviceName", "destMobileDeviceName", "origMobileCallDuration",
    "destMobileCallDuration", "mobileCallType", "originalCalledPartyPattern",
    "finalCalledPartyPattern", "lastRedirectingPartyPattern", "huntPilotPattern",
)  # fmt: skip
