"""HTTP/1.x messages against RFC 9112/9110: realistic traffic passes, each syntax break is
named, and nothing cut off by the end of a segment is judged."""

from __future__ import annotations

from lurewatch.net.payload import structure_problems

BROWSER_GET = (
    b"GET /search?q=quarterly+report&hl=en HTTP/1.1\r\n"
    b"Host: www.example.com\r\n"
    b"Connection: keep-alive\r\n"
    b'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"\r\n'
    b"sec-ch-ua-mobile: ?0\r\n"
    b'sec-ch-ua-platform: "Windows"\r\n'
    b"Upgrade-Insecure-Requests: 1\r\n"
    b"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    b"Chrome/124.0.0.0 Safari/537.36\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
    b"Sec-Fetch-Site: none\r\n"
    b"Sec-Fetch-Mode: navigate\r\n"
    b"Sec-Fetch-User: ?1\r\n"
    b"Sec-Fetch-Dest: document\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Accept-Language: en-GB,en;q=0.9\r\n"
    b"Cookie: SID=31d4d96e407aad42; lang=en-US\r\n"
    b"\r\n"
)

POST = (
    b"POST /api/v1/login HTTP/1.1\r\n"
    b"Host: portal.example.com:8443\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 27\r\n"
    b"\r\n"
    b"user=alice&password=s3cret!"
)

CHUNKED_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Mon, 27 Jul 2026 12:28:53 GMT\r\n"
    b"Server: nginx/1.24.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"Cache-Control: private\r\n"
    b"\r\n"
    b"19\r\n<html><body>Hello, world.\r\n"
    b"10;name=value\r\n</body></html>\n\n\r\n"
    b"0\r\n"
    b"\r\n"
)


def problems(payload: bytes, from_client: bool = True) -> list[tuple[str, str]]:
    return structure_problems("http", payload, "tcp", from_client)


def details(payload: bytes, from_client: bool = True) -> str:
    found = problems(payload, from_client)
    assert found, "expected the message to be flagged"
    assert {name for name, _ in found} == {"http_malformed"}
    return " | ".join(detail for _, detail in found)


# -- clean messages ------------------------------------------------------------------------


def test_browser_get_is_clean() -> None:
    assert problems(BROWSER_GET) == []


def test_post_with_content_length_is_clean() -> None:
    assert problems(POST) == []


def test_chunked_response_is_clean() -> None:
    assert problems(CHUNKED_RESPONSE, from_client=False) == []


def test_other_request_target_forms_are_clean() -> None:
    assert (
        problems(b"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n") == []
    )
    assert problems(b"OPTIONS * HTTP/1.1\r\nHost: www.example.com\r\n\r\n") == []
    assert problems(b"GET http://www.example.com/a HTTP/1.1\r\nHost: www.example.com\r\n\r\n") == []
    assert problems(b"GET / HTTP/1.0\r\n\r\n") == []  # HTTP/1.0 needs no Host


def test_plain_responses_are_clean() -> None:
    assert problems(b'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\n\r\n', False) == []
    assert problems(b"HTTP/1.1 204 \r\n\r\n", False) == []  # an empty reason phrase is allowed


def test_http2_prior_knowledge_preface_is_not_judged_as_http1() -> None:
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x12\x04\x00\x00\x00\x00\x00"
    assert problems(preface) == []


def test_a_message_cut_off_by_the_segment_is_not_judged() -> None:
    for message, from_client in ((BROWSER_GET, True), (POST, True), (CHUNKED_RESPONSE, False)):
        for cut in range(1, len(message)):
            assert problems(message[:cut], from_client) == [], message[:cut]


# -- request line --------------------------------------------------------------------------


def test_repeated_spaces_in_request_line() -> None:
    assert "repeated spaces" in details(b"GET  /index.html HTTP/1.1\r\nHost: a\r\n\r\n")


def test_tab_in_request_line() -> None:
    assert "tab" in details(b"GET\t/index.html HTTP/1.1\r\nHost: a\r\n\r\n")


def test_http09_style_request_without_version() -> None:
    assert "HTTP/0.9" in details(b"GET /index.html\r\n")


def test_lower_case_method() -> None:
    assert "not upper case" in details(b"get / HTTP/1.1\r\nHost: a\r\n\r\n")


def test_method_with_characters_outside_token() -> None:
    assert "outside the token set" in details(b"GE(T / HTTP/1.1\r\nHost: a\r\n\r\n")


def test_version_that_is_not_http_x_y() -> None:
    assert "not an HTTP-version" in details(b"GET / http/1.1\r\nHost: a\r\n\r\n")
    assert "HTTP/3.0 in an HTTP/1" in details(b"GET / HTTP/3.0\r\nHost: a\r\n\r\n")


def test_target_in_no_allowed_form() -> None:
    assert "not in a form" in details(b"GET index.html HTTP/1.1\r\nHost: a\r\n\r\n")
    assert "not in a form" in details(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n")


def test_raw_non_ascii_in_target() -> None:
    assert "percent-encoded" in details("GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n".encode())


def test_absurd_request_line() -> None:
    assert "bytes" in details(b"GET /" + b"A" * 20000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")


def test_status_code_not_three_digits() -> None:
    assert "3-digit status code" in details(b"HTTP/1.1 20 OK\r\n\r\n", from_client=False)


# -- header fields -------------------------------------------------------------------------


def test_whitespace_before_colon() -> None:
    assert "between field name" in details(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")


def test_field_name_with_invalid_characters() -> None:
    assert "outside the token set" in details(b"GET / HTTP/1.1\r\nHost: a\r\nX[y]: 1\r\n\r\n")


def test_header_line_without_colon() -> None:
    assert "without a colon" in details(b"GET / HTTP/1.1\r\nHost: a\r\nnocolonhere\r\n\r\n")


def test_obs_fold_continuation() -> None:
    assert "folding" in details(b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n")


def test_control_characters_in_a_value() -> None:
    assert "control characters" in details(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n")


def test_bare_lf_is_flagged_and_said_to_be_tolerated() -> None:
    detail = details(b"GET / HTTP/1.1\nHost: a\n\n")
    assert "bare LF" in detail and "tolerate" in detail


def test_bare_cr_inside_a_line() -> None:
    assert "bare CR" in details(b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n")


def test_missing_and_repeated_host() -> None:
    assert "without a Host" in details(b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")
    assert "2 Host fields" in details(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")


def test_too_many_fields() -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(300))
    assert "more than 256 header fields" in details(
        b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n"
    )


# -- message framing -----------------------------------------------------------------------


def test_content_length_twice_with_different_values() -> None:
    detail = details(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
    )
    assert "different values (5, 6)" in detail


def test_content_length_repeated_with_the_same_value_is_tolerated() -> None:
    assert problems(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello") == []


def test_non_numeric_and_absurd_content_length() -> None:
    assert "not a number" in details(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n")
    assert "20 digits" in details(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + b"9" * 20 + b"\r\n\r\n"
    )


def test_content_length_with_transfer_encoding() -> None:
    head = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert "both Content-Length and Transfer-Encoding" in details(head)


def test_suspicious_transfer_codings() -> None:
    assert "unknown transfer coding" in details(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"
    )
    assert "not the final" in details(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
    )


def test_chunk_size_that_is_not_hex() -> None:
    response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    assert "not hexadecimal" in details(response, from_client=False)


def test_chunk_data_longer_than_its_size() -> None:
    response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"
    assert "not followed by CRLF" in details(response, from_client=False)
