"""The S1 transfer baselines: how much each account usually shares, and what is known of every
outside account that ever shared or received a file.

`baseline_chat_volume`, per sender: active sharing days, files, bytes, the sum of squared daily
bytes and the largest day. A day's volume is then judged against the sender's *other* days
(mean of the rest = (bytes - day) / (days - 1)), so one history serves every day without a
training cut-off, and a single huge day cannot hide itself by raising its own baseline.

`baseline_chat_account`, per outside account (external, guest or unknown): when it was first
seen, how many messages it sent, when it first took part in a file share (either side), and
how many messages it had sent before that share. An account that shares or receives files
with almost no history is an unknown account in the sense of AN1955.

Both are set-based Ibis expressions over `transfer` and `message`: one file shared to several
outside members is one file for volume (rows are made distinct on the share first).
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.schema_baselines import BASELINE_CHAT_ACCOUNT, BASELINE_CHAT_VOLUME
from lurewatch.store import Store

OUTSIDE = ("external", "guest", "unknown")

TABLES = {
    "baseline_chat_volume": BASELINE_CHAT_VOLUME,
    "baseline_chat_account": BASELINE_CHAT_ACCOUNT,
}


def daily_volume(store: Store) -> Any:
    """Bytes and files each sender shared per UTC day, each file counted once."""
    t = store.table("transfer")
    shares = t.filter([t["chat.sender"].notnull(), t["@timestamp"].notnull()]).select(
        sender=t["chat.sender"],
        ts=t["@timestamp"],
        channel=t["chat.channel"],
        name=t["file.name"],
        size=t["file.size"],
    )
    shares = shares.distinct()
    return shares.group_by(
        [shares.sender.name("chat.sender"), shares.ts.truncate("D").name("day")]
    ).aggregate(
        bytes=shares["size"].sum().fill_null(0),
        files=shares.count(),
        first=shares.ts.min(),
        last=shares.ts.max(),
    )


def _volume(store: Store) -> Any:
    d = daily_volume(store)
    return d.group_by(d["chat.sender"]).aggregate(
        first_seen=d["first"].min(),
        last_seen=d["last"].max(),
        days=d.count(),
        files=d.files.sum(),
        bytes=d["bytes"].sum(),
        daily_sum_sq=(d["bytes"].cast("float64") * d["bytes"].cast("float64")).sum(),
        daily_max=d["bytes"].max(),
    )


def share_parties(store: Store) -> Any:
    """(account, kind, ts, event.id) for each outside account taking part in a file share."""
    t = store.table("transfer")
    as_sender = t.filter(t["chat.sender.kind"].isin(OUTSIDE)).select(
        account=t["chat.sender"],
        kind=t["chat.sender.kind"],
        ts=t["@timestamp"],
        eid=t["event.id"],
    )
    as_receiver = t.filter(
        [t["transfer.counterpart.kind"].isin(OUTSIDE), t["transfer.counterpart"].notnull()]
    ).select(
        account=t["transfer.counterpart"],
        kind=t["transfer.counterpart.kind"],
        ts=t["@timestamp"],
        eid=t["event.id"],
    )
    both = as_sender.union(as_receiver)
    return both.filter([both.account.notnull(), both.ts.notnull()])


def _accounts(store: Store) -> Any:
    parties = share_parties(store)
    shares = parties.group_by("account").aggregate(
        kind=parties.kind.max(), first_share=parties.ts.min(), shares=parties.count()
    )
    m = store.table("message")
    sent = m.filter([m["chat.sender.kind"].isin(OUTSIDE), m["@timestamp"].notnull()]).select(
        account=m["chat.sender"], mkind=m["chat.sender.kind"], ts=m["@timestamp"]
    )
    totals = sent.group_by("account").aggregate(
        mkind=sent.mkind.max(), messages=sent.count(), first_message=sent.ts.min()
    )
    early = sent.select(sender=sent.account, sent_at=sent.ts)
    pairs = shares.join(
        early, [shares.account == early.sender, early.sent_at < shares.first_share]
    ).select(account=shares.account, sent_at=early.sent_at)
    before = pairs.group_by("account").aggregate(messages_before_share=pairs.count())
    everyone = shares.select("account").union(totals.select("account"), distinct=True)
    j = everyone.left_join(shares, "account").left_join(totals, "account")
    j = j.left_join(before, "account")
    first_message = j.first_message
    first_share = j.first_share
    first_seen = ibis.cases(
        (first_share.isnull(), first_message),
        (first_message.isnull(), first_share),
        (first_message < first_share, first_message),
        else_=first_share,
    )
    return j.select(
        account=j.account,
        **{"account.kind": j.kind.fill_null(j.mkind)},
        first_seen=first_seen,
        messages=j.messages.fill_null(0),
        first_share=first_share,
        shares=j.shares.fill_null(0),
        messages_before_share=j.messages_before_share.fill_null(0),
    )


def _replace(store: Store, table: str, expr: Any) -> int:
    store.ensure_table(table, TABLES[table])
    arrow = store.ibis.to_pyarrow(expr)
    store.execute(f'DELETE FROM "{table}"')
    with store.registered("_lw_baseline", arrow):
        store.execute(f'INSERT INTO "{table}" SELECT * FROM _lw_baseline')
    return int(arrow.num_rows)


def build_transfer_baselines(store: Store) -> int:
    """Recompute both chat baselines. Returns the number of senders and accounts learned."""
    return _replace(store, "baseline_chat_volume", _volume(store)) + _replace(
        store, "baseline_chat_account", _accounts(store)
    )
