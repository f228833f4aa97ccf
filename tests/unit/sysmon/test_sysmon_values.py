"""Sysmon values as the store keeps them: GUIDs that join, names, hashes, DNS answers, times."""

from __future__ import annotations

import datetime as dt

import pytest

from lurewatch.readers.sysmon.rows import event_number, provider_of, source_label
from lurewatch.readers.sysmon.values import (
    basename,
    boolean,
    guid,
    integer,
    port,
    query_results,
    sha256_of,
    sysmon_time,
    text,
    timestamp,
)

SHA256 = "132AA270790F56A7524CAB968927ED5E1D91B9A26D4BADCB24E450E7DECC5F81"


@pytest.mark.parametrize(
    "value",
    [
        "{365ABB72-CF01-5CE6-0000-00105DA50C00}",  # XML, Winlogbeat
        "365ABB72-CF01-5CE6-0000-00105DA50C00",  # the EVTX parser
        " {365abb72-cf01-5ce6-0000-00105da50c00} ",
    ],
)
def test_every_spelling_of_a_process_guid_is_one_key(value: str) -> None:
    assert guid(value) == "365abb72-cf01-5ce6-0000-00105da50c00"


def test_empty_guid_is_none() -> None:
    assert guid("{}") is None and guid(None) is None


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE", "powershell.exe"),
        ("/usr/bin/curl", "curl"),
        ("C:/Tools/x/Plink.exe", "plink.exe"),
        ("System", "system"),
        ("<unknown process>", "<unknown process>"),
        ("C:\\dir\\", None),
        (None, None),
    ],
)
def test_process_name_is_the_lower_case_file_name(image: str | None, name: str | None) -> None:
    assert basename(image) == name


def test_sha256_is_taken_from_the_hashes_field() -> None:
    hashes = f"SHA1=4368DBD172224EC9461364BE1AC9DFFC5D9224A8,MD5=A03C,SHA256={SHA256},IMPHASH=B59A"
    assert sha256_of(hashes) == SHA256.lower()
    assert sha256_of(f"MD5=A03C,SHA256={SHA256}") == SHA256.lower()  # last in the list
    assert sha256_of(f"md5=a03c, sha256={SHA256.lower()}") == SHA256.lower()  # other spelling
    assert sha256_of(SHA256) == SHA256.lower()  # only SHA256 configured, written bare
    assert sha256_of("MD5=A03CF3838775E0801A0894C8BACD2E56") is None
    assert sha256_of(None) is None and sha256_of("") is None


def test_query_results_become_answers_without_type_marks() -> None:
    assert query_results("type: 5 x.example;::ffff:1.2.3.4;") == ["x.example", "1.2.3.4"]
    assert query_results(
        "type:  5 edge.example.net;type:  5 a-0001.a-msedge.net;::ffff:13.107.21.200;"
        "2620:1ec:c11::200;"
    ) == ["edge.example.net", "a-0001.a-msedge.net", "13.107.21.200", "2620:1ec:c11::200"]
    assert query_results("-") == [] and query_results("") == [] and query_results(None) == []
    # ECS dns.answers, as Elastic's pipeline leaves them
    assert query_results([{"type": "A", "data": "1.2.3.4"}, {"type": "CNAME"}]) == ["1.2.3.4"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03-18 21:18:27.123", dt.datetime(2019, 3, 18, 21, 18, 27, 123000)),
        ("2019-05-23T16:49:05.7365705Z", dt.datetime(2019, 5, 23, 16, 49, 5, 736570)),
        ("2020-09-21T18:29:58.546+02:00", dt.datetime(2020, 9, 21, 16, 29, 58, 546000)),
        ("2019-05-23T16:49:05.7365705 UTC", dt.datetime(2019, 5, 23, 16, 49, 5, 736570)),
        ("2019-05-23T16:49:05.123456789Z", dt.datetime(2019, 5, 23, 16, 49, 5, 123456)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1558630145, None),
    ],
)
def test_times_become_naive_utc(value: object, expected: dt.datetime | None) -> None:
    got = timestamp(value)
    assert got == expected
    assert got is None or got.tzinfo is None


def test_sysmon_time_round_trips() -> None:
    t = dt.datetime(2019, 3, 18, 21, 18, 27, 123456)
    assert sysmon_time(t) == "2019-03-18 21:18:27.123"
    assert timestamp(sysmon_time(t)) == t.replace(microsecond=123000)


def test_numbers_flags_and_empties() -> None:
    assert integer("3872") == 3872 and integer(3872) == 3872 and integer("0xf347") == 0xF347
    assert integer("-") is None and integer("12a") is None and integer(True) is None
    assert port("443") == 443 and port("70000") is None and port("") is None
    assert boolean("true") is True and boolean("False") is False and boolean(True) is True
    assert boolean("-") is None and boolean(None) is None
    assert text("-") is None and text("") is None and text(None) is None
    assert text(False) == "false" and text(4) == "4" and text("x") == "x"


def test_event_numbers_and_provider_names() -> None:
    assert event_number(3) == 3 and event_number(" 22 ") == 22
    assert event_number({"#attributes": {"Qualifiers": 0}, "#text": 4688}) == 4688
    assert event_number("x") is None and event_number(None) is None
    assert provider_of(None, "Microsoft-Windows-Sysmon/Operational") == "Microsoft-Windows-Sysmon"
    assert provider_of("Linux-Sysmon", "x") == "Linux-Sysmon"
    assert provider_of("", "Security") is None
    assert source_label("Microsoft-Windows-Security-Auditing") == "security"
    assert source_label("Microsoft-Windows-PowerShell") == "powershell"
    assert source_label(None) == "windows"
