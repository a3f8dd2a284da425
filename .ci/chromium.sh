#!/usr/bin/env bash
# CI: the HTML report tests drive Debian's chromium headless; install it where missing.
# Idempotent: returns at once when /usr/bin/chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
