#!/usr/bin/env bash
# Installs the filters the mail benchmark compares lurewatch with, from Debian's packages:
# SpamAssassin (spamd, spamc) and Rspamd (rspamd, rspamc). Their benchmark configuration lives
# beside this script in peers/ and is used in place by bench/mail/run.py, which starts each
# daemon on a free loopback port with its state in a temporary folder; nothing is written to
# /etc, and the daemons the packages may start are not used.
#
#   sudo bash bench/mail/setup_peers.sh        # then: python bench/mail/run.py
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    spamassassin spamc spamd rspamd >/dev/null

echo "installed:"
echo "  $(spamd --version 2>/dev/null | head -n 1)"
echo "  $(rspamd --version 2>/dev/null | head -n 1)"

# A quick check that the benchmark's SpamAssassin configuration parses with the installed rules:
# the stock plugin list (*.pre) and peers/spamassassin/local.cf, in a temporary site folder.
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
for dir in /etc/spamassassin /etc/mail/spamassassin; do
    if [ -f "$dir/init.pre" ]; then
        cp "$dir"/*.pre "$site/"
        break
    fi
done
cp "$here/peers/spamassassin/local.cf" "$site/local.cf"
if spamassassin --siteconfigpath="$site" -L --lint; then
    echo "spamassassin: the benchmark configuration is valid"
else
    echo "spamassassin: --lint reported problems (see above)" >&2
    exit 1
fi

# And that Rspamd accepts its benchmark configuration.
if rspamadm --var="LOCAL_CONFDIR=$here/peers/rspamd" --var="DBDIR=$site" --var="RUNDIR=$site" \
    --var="LOGDIR=$site" --var="BENCH_PORT=11333" \
    configtest -c "$here/peers/rspamd/rspamd.conf" >/dev/null; then
    echo "rspamd: the benchmark configuration is valid"
else
    echo "rspamd: configtest reported problems" >&2
    exit 1
fi
