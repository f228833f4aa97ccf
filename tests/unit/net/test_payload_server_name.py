"""The name a client asked for: TLS SNI or the HTTP Host, lower case, port stripped."""

from __future__ import annotations

from payloadkit import client_hello, record, server_hello_tls13

from lurewatch.net.payload import server_name


def test_sni_of_a_client_hello() -> None:
    assert (
        server_name("tls", client_hello(b"Login.MicrosoftOnline.COM"))
        == "login.microsoftonline.com"
    )


def test_sni_of_a_client_hello_spread_over_two_records() -> None:
    hello = client_hello(b"cdn.example.net")
    message = hello[5:]
    assert server_name("tls", record(message[:60]) + record(message[60:])) == "cdn.example.net"


def test_no_sni_where_there_is_no_client_hello() -> None:
    assert server_name("tls", server_hello_tls13()) is None
    assert server_name("tls", client_hello()[:80]) is None


def test_http_host_without_port() -> None:
    assert (
        server_name("http", b"GET / HTTP/1.1\r\nhost: WWW.Example.com:8080\r\n\r\n")
        == "www.example.com"
    )
    assert (
        server_name("http", b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n") == "2001:db8::1"
    )
    assert server_name("http", b"GET / HTTP/1.1\r\nHost: 2001:db8::1\r\n\r\n") == "2001:db8::1"


def test_http_target_authority_when_there_is_no_host() -> None:
    assert (
        server_name("http", b"GET http://Proxy.Example.org/a HTTP/1.0\r\n\r\n")
        == "proxy.example.org"
    )
    assert (
        server_name("http", b"CONNECT mail.example.com:443 HTTP/1.1\r\n\r\n") == "mail.example.com"
    )


def test_nothing_to_name() -> None:
    assert server_name("http", b"HTTP/1.1 200 OK\r\n\r\n") is None
    assert server_name("http", b"GET / HTTP/1.1\r\nHo") is None
    assert server_name("ssh", b"SSH-2.0-OpenSSH_9.6\r\n") is None
