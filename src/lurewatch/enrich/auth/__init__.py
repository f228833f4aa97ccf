"""Mail authentication: SPF, DKIM, DMARC, ARC and believed Authentication-Results, in one verdict.

`authenticate(parsed, settings, resolver)` returns an `AuthVerdict` for every message and never
raises: DNS trouble is temperror, broken records and signatures permerror, and anything
unexpected the composite reason "internal-error". All DNS goes through the Resolver given.

Fields of AuthVerdict:

    spf           pass fail softfail neutral none temperror permerror
    dkim          best over all signatures, ranked pass > fail > permerror > temperror > none
    dmarc         pass fail none temperror permerror
    dmarc_policy  none quarantine reject: the policy that applies after sp/np/pct (None without
                  a DMARC record)
    arc           pass fail none (chain validation of the ARC sets)
    composite     pass softpass fail none
    reason        one of the composite reason codes below
    detail        JSON-ready evidence: each check, where it came from ("live", or
                  "upstream:<authserv-id>" for a believed Authentication-Results header, or
                  "absent"), the trust boundary, SPF ip/helo/mailfrom, each DKIM signature
                  (d, s, a, result, reason), the ARC chain, DMARC record tags and alignment,
                  and every Authentication-Results header with why it was or was not believed.

Composite reason codes:

    pass      dmarc-pass               DMARC passed: SPF or DKIM passed aligned with From.
    pass      implicit-pass            no usable DMARC record, but SPF or DKIM passed for a
                                       domain aligned (relaxed) with From.
    softpass  unaligned-pass           no usable DMARC record; SPF or DKIM passed, but only
                                       for domains unrelated to From (a sending service).
    softpass  arc-trusted-forwarder    would fail, but a valid ARC chain whose latest sealer
                                       is in trusted_arc_sealers shows it passed before that
                                       forwarder changed it.
    fail      dmarc-fail-enforced      DMARC failed and the domain asks for quarantine or
                                       reject (after pct).
    fail      implicit-fail            no DMARC record or only p=none, SPF fail or softfail,
                                       and no aligned DKIM pass.
    fail      org-domain-spoof         From uses one of organization.domains and nothing
                                       passed aligned with it.
    none      not-enforced             DMARC failed under p=none without an explicit SPF
                                       fail: the domain does not stand behind its policy.
    none      mailing-list             would fail, but it is list mail (List-Id) whose
                                       From-domain DKIM signature the list broke (body or
                                       header changes). Never applied to the organization's
                                       own domains.
    none      arc-trusted-unconfirmed  would fail; a trusted ARC sealer forwarded it but saw
                                       no pass either.
    none      internal-origin          the connection at the trust boundary came from an
                                       internal address: nothing crossed the internet.
    none      dmarc-temperror          DMARC could not be decided (DNS trouble).
    none      no-evidence              nothing could be checked: SPF, DKIM and DMARC all
                                       undecided (offline, or no believed upstream results).
    none      unauthenticated          the From domain publishes no usable authentication
                                       and nothing failed explicitly.
    none      internal-error           the checks themselves failed; detail["error"] says how.

docs/auth-verdicts.md explains the same codes for analysts, with the modes and settings.
"""

from lurewatch.enrich.auth.verdict import AuthVerdict, authenticate

__all__ = ["AuthVerdict", "authenticate"]
