"""Hosts shared by strangers, where one bad link says nothing about the next one.

Two shapes of sharing matter to matching:

- Path tenants: on `tinyurl.com`, `sites.google.com`, `ipfs.io` or `github.com` every path
  belongs to someone else. A phishing URL there is an exact-URL indicator only; taking its host
  as bad would flag every short link and every Google Site.
- Subdomain tenants: on `weebly.com`, `r2.dev` or `web.app` each customer gets a host
  (`x.weebly.com`). The customer's host may be judged by a phishing URL on it, but the platform
  name itself (`weebly.com`) must never be an indicator, whatever a feed says.

The platforms come from the bundled free-hosting list (`data/free_hosting.txt`, shared with
the URL structure signals), where a host equal to a listed suffix is the platform's own,
path-tenant host, and from the bundled shortener list (`data/shorteners.txt`); this module
adds redirectors, code hosts and a core of shorteners, so matching stays safe without those
files. Callers add more (a full shortener list, `urls.free_hosting` from the config).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

__all__ = ["SharedHosts", "bundled_list"]

# Link shorteners and link-in-bio pages: every path leads somewhere else.
_SHORTENERS = (
    "bit.ly bitly.com tinyurl.com is.gd v.gd t.co ow.ly buff.ly rebrand.ly cutt.ly shorturl.at "
    "rb.gy t.ly s.id tiny.cc bl.ink urlz.fr u.to qrco.de lnkd.in goo.gl g.co forms.gle "
    "shorturl.gg clck.ru did.li short.gy tinu.be surl.li t.me linktr.ee bio.link beacons.ai"
)
# Redirectors and link rewriters.
_REDIRECTORS = (
    "google.com translate.google.com script.google.com l.facebook.com lm.facebook.com bing.com "
    "href.li safelinks.protection.outlook.com urldefense.com urldefense.proofpoint.com"
)
# Code hosts, web archives and IPFS gateways.
_CODE_AND_ARCHIVES = (
    "github.com gist.github.com raw.githubusercontent.com gist.githubusercontent.com "
    "objects.githubusercontent.com gitlab.com bitbucket.org codepen.io jsfiddle.net archive.org "
    "web.archive.org gateway.ipfs.io gateway.pinata.cloud ipfs.fleek.co w3s.link"
)
# Documents, forms and file shares the free-hosting list does not hold.
_DOCUMENTS = (
    "onedrive.live.com forms.microsoft.com sway.cloud.microsoft docs.zoho.com "
    "forms.zohopublic.com app.box.com padlet.com heyzine.com issuu.com canva.com"
)
_PATH_TENANTS = frozenset(f"{_SHORTENERS} {_REDIRECTORS} {_CODE_AND_ARCHIVES} {_DOCUMENTS}".split())
# Names under which every host is the platform's, serving many customers by path.
_PATH_TENANT_SUFFIXES = frozenset({"googleusercontent.com", "sharepoint.com"})


@cache
def bundled_list(name: str) -> frozenset[str]:
    """The first column of a bundled list in `lurewatch/data` ('#' comments). A list missing
    from the package gives nothing: the built-in names above still hold."""
    try:
        text = resources.files("lurewatch").joinpath(f"data/{name}").read_text("utf-8")
    except FileNotFoundError:
        return frozenset()
    out: set[str] = set()
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            out.add(parts[0].lower().strip("."))
    return frozenset(out)


def _clean(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class SharedHosts:
    """Answers "is this host shared by strangers?" for the matching index.

    A shared name is never taken as bad as a whole: a URL indicator on it matches only as that
    exact URL, and a domain or host indicator naming it is set aside. Platform names (the
    free-hosting list, `extra`) are shared themselves while their customers' subdomains are
    not; a link shortener (`data/shorteners.txt`) is shared with all its subdomains. `extra`
    adds names (a shortener's domain, a hosting suffix from the config).
    """

    def __init__(self, extra: Iterable[str] = (), *, bundled: bool = True) -> None:
        exact = set(_PATH_TENANTS)
        under = set(_PATH_TENANT_SUFFIXES)
        if bundled:
            exact.update(bundled_list("free_hosting.txt"))
            under.update(bundled_list("shorteners.txt"))
        exact.update(_clean(h) for h in extra if h.strip())
        self._exact = frozenset(exact)
        self._under = frozenset(under)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        name = _clean(host)
        if name in self._exact:
            return True
        while name:
            if name in self._under:
                return True
            name = name.partition(".")[2]
        return False
