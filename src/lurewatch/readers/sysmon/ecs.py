"""Winlogbeat / Elastic Agent documents whose Sysmon fields were moved into ECS fields.

Winlogbeat's Sysmon module and the Elastic Agent Sysmon pipeline move (not copy) most
`winlog.event_data` fields to ECS names: ProcessGuid to `process.entity_id`, UtcTime to
`@timestamp`, User to `user.domain` + `user.name`, Hashes to `process.hash.*`. This puts them
back under their Sysmon names, so such documents map like raw ones and, where the values
survive unchanged, hash to the same `event.id`. Only used when ProcessGuid is missing, so raw
documents never pay for it.
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.sysmon.values import sysmon_time, timestamp

# Sysmon EventData name -> the ECS field it is moved to.
ECS_NAMES: dict[str, str] = {
    "ProcessGuid": "process.entity_id",
    "ProcessId": "process.pid",
    "Image": "process.executable",
    "OriginalFileName": "process.pe.original_file_name",
    "CommandLine": "process.command_line",
    "CurrentDirectory": "process.working_directory",
    "ParentProcessGuid": "process.parent.entity_id",
    "ParentProcessId": "process.parent.pid",
    "ParentImage": "process.parent.executable",
    "ParentCommandLine": "process.parent.command_line",
    "Protocol": "network.transport",
    "SourceIp": "source.ip",
    "SourcePort": "source.port",
    "SourceHostname": "source.domain",
    "DestinationIp": "destination.ip",
    "DestinationPort": "destination.port",
    "DestinationHostname": "destination.domain",
    "QueryName": "dns.question.name",
    "QueryStatus": "sysmon.dns.status",
    "QueryResults": "dns.answers",
}
_PATHS = {name: tuple(ecs.split(".")) for name, ecs in ECS_NAMES.items()}
_DIRECTION = {"egress": "true", "outbound": "true", "ingress": "false", "inbound": "false"}


def ecs_get(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    """A field by its ECS path, nested ({"process": {"pid": 1}}) or dotted ("process.pid")."""
    node: Any = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return doc.get(".".join(path))
        node = node[key]
    return node


def restore_event_data(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the Sysmon fields it lacks taken back from the document's ECS fields."""
    out = dict(data)
    for name, path in _PATHS.items():
        if name not in out:
            value = ecs_get(doc, path)
            if value is not None:
                out[name] = value
    if "UtcTime" not in out:
        t = timestamp(doc.get("@timestamp"))
        if t is not None:
            out["UtcTime"] = sysmon_time(t)
    if "User" not in out:
        user = ecs_get(doc, ("user", "name"))
        domain = ecs_get(doc, ("user", "domain"))
        if isinstance(user, str):
            out["User"] = f"{domain}\\{user}" if isinstance(domain, str) and domain else user
    if "Hashes" not in out:
        hashes = ecs_get(doc, ("process", "hash"))
        if isinstance(hashes, dict) and hashes:
            out["Hashes"] = ",".join(f"{k.upper()}={v}" for k, v in hashes.items())
    if "Initiated" not in out:
        direction = ecs_get(doc, ("network", "direction"))
        if isinstance(direction, str) and direction in _DIRECTION:
            out["Initiated"] = _DIRECTION[direction]
    return out
