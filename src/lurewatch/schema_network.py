"""The network tables: proxy and DNS logs, flows, protocol anomalies and application records
(Zeek, Suricata, Squid and PCAP all write into these)."""

from __future__ import annotations

from lurewatch.schema_column import cols

HTTP_REQUEST = cols(
    ("event.id", "VARCHAR", "hash of the log line"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number"),
    ("observer.type", "VARCHAR", "zeek, squid"),
    ("source.ip", "VARCHAR", "the client"),
    ("destination.ip", "VARCHAR", ""),
    ("destination.port", "INTEGER", ""),
    ("url.domain", "VARCHAR", "Host header or CONNECT host"),
    ("url.full", "VARCHAR", "absolute URL when it can be rebuilt"),
    ("url.path", "VARCHAR", ""),
    ("http.request.method", "VARCHAR", ""),
    ("http.response.status_code", "INTEGER", ""),
    ("user_agent.original", "VARCHAR", ""),
    ("user.name", "VARCHAR", "proxy-authenticated user, when logged"),
    ("flow.id", "VARCHAR", "the sensor's connection id (Zeek uid, Suricata flow_id), when logged"),
)

DNS_QUERY = cols(
    ("event.id", "VARCHAR", "hash of the log line"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number"),
    ("observer.type", "VARCHAR", "zeek"),
    ("source.ip", "VARCHAR", "the client"),
    ("dns.question.name", "VARCHAR", "lower case, no trailing dot"),
    ("dns.question.type", "VARCHAR", ""),
    ("dns.response_code", "VARCHAR", ""),
    ("dns.answers", "VARCHAR[]", "answer data (addresses, names)"),
    ("flow.id", "VARCHAR", "the sensor's connection id (Zeek uid, Suricata flow_id), when logged"),
)

FLOW = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", "first packet of the flow"),
    ("event.end", "TIMESTAMP", "last packet of the flow"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number (logs) or first packet number (pcap)"),
    ("observer.type", "VARCHAR", "zeek, suricata or pcap (lurewatch's own packet analysis)"),
    ("flow.id", "VARCHAR", "the sensor's flow id: Zeek uid, Suricata flow_id, pcap flow key"),
    ("network.transport", "VARCHAR", "tcp, udp, icmp, ..."),
    ("network.protocol", "VARCHAR", "application protocol seen (http, tls, dns, ...), if any"),
    ("source.ip", "VARCHAR", "the originator"),
    ("source.port", "INTEGER", ""),
    ("destination.ip", "VARCHAR", "the responder"),
    ("destination.port", "INTEGER", ""),
    ("destination.domain", "VARCHAR", "server name from SNI, HTTP Host or DNS, when known"),
    ("flow.duration", "DOUBLE", "seconds"),
    ("source.bytes", "BIGINT", "payload bytes sent by the originator"),
    ("destination.bytes", "BIGINT", "payload bytes sent by the responder"),
    ("source.packets", "BIGINT", ""),
    ("destination.packets", "BIGINT", ""),
    ("flow.state", "VARCHAR", "Zeek conn_state vocabulary (S0, SF, REJ, OTH, ...)"),
    ("flow.history", "VARCHAR", "Zeek history letters (ShADadFf ...)"),
    ("flow.missed_bytes", "BIGINT", "bytes the sensor did not see (gaps in a TCP stream)"),
    ("source.ip_bytes", "BIGINT", "IP bytes sent by the originator, headers included"),
    ("destination.ip_bytes", "BIGINT", "IP bytes sent by the responder, headers included"),
    ("source.local", "BOOLEAN", "the sensor counts the originator as local (Zeek local_orig)"),
    ("destination.local", "BOOLEAN", "the sensor counts the responder as local (Zeek local_resp)"),
    ("event.extra", "VARCHAR", "JSON: the record's other fields (labels, unknown columns)"),
)

NET_ANOMALY = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number (logs) or packet number (pcap)"),
    ("observer.type", "VARCHAR", "zeek, suricata or pcap"),
    ("flow.id", "VARCHAR", "the flow it belongs to, as in `flow`"),
    ("network.transport", "VARCHAR", ""),
    ("source.ip", "VARCHAR", ""),
    ("source.port", "INTEGER", ""),
    ("destination.ip", "VARCHAR", ""),
    ("destination.port", "INTEGER", ""),
    ("anomaly.name", "VARCHAR", "lurewatch's name (lurewatch.net.anomalies)"),
    ("anomaly.clause", "VARCHAR", "N1 (protocol) or N2 (flow)"),
    ("anomaly.sensor_name", "VARCHAR", "the sensor's own name (Zeek weird, Suricata event, ...)"),
    ("anomaly.detail", "VARCHAR", "what was seen, in words"),
    ("network.protocol", "VARCHAR", "the protocol seen, for N1 port anomalies"),
    ("anomaly.expected_protocol", "VARCHAR", "the protocol the port is registered to"),
)

NET_APP = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number"),
    ("observer.type", "VARCHAR", "zeek or suricata"),
    ("event.dataset", "VARCHAR", "the record type: ssl, tls, smtp, files, fileinfo, notice, ..."),
    ("flow.id", "VARCHAR", ""),
    ("source.ip", "VARCHAR", ""),
    ("source.port", "INTEGER", ""),
    ("destination.ip", "VARCHAR", ""),
    ("destination.port", "INTEGER", ""),
    ("destination.domain", "VARCHAR", "SNI, certificate subject or server name, when given"),
    ("file.name", "VARCHAR", "files/fileinfo"),
    ("file.mime_type", "VARCHAR", ""),
    ("file.size", "BIGINT", ""),
    ("file.hash.sha256", "VARCHAR", ""),
    ("event.original", "VARCHAR", "JSON: the whole record"),
)
