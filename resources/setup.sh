#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine: npm dependencies, the bundled daemons (fetched
# from Debian packages into resources/bin without root), and the system packages the tests use
# (Debian's chromium, iproute2 for the lab's network namespace). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "==> npm ci"
npm ci --no-audit --no-fund

echo "==> bundled daemons (tor, pluggable transports, i2pd)"
bash resources/fetch-binaries.sh

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# Opt-in: Debian's onionshare-cli, the baseline of `npm run bench` drop.vs_onionshare and
# drop.cpu_vs_onionshare (skipped with a reason without it). It pulls in Debian's tor, whose service
# must never start (policy-rc.d below); the benchmark points onionshare at the lab's tor only.
if [ "${UNDERPASS_WITH_ONIONSHARE:-0}" = 1 ] && ! command -v onionshare-cli >/dev/null 2>&1; then
  need+=(onionshare-cli)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Never let a package's daemon start itself (tor, for one, would dial the public network).
    if [ ! -f /usr/sbin/policy-rc.d ] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
    fi
    echo "==> apt-get install ${need[*]}"
    apt-get update -qq
    had_tor=0
    dpkg -s tor >/dev/null 2>&1 && had_tor=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
    # Belt and braces: a system tor this install brought in must not be running (it would dial the
    # public network). A tor the machine already had is left alone.
    if [ "$had_tor" = 0 ] && [ -x /etc/init.d/tor ] && pgrep -x tor >/dev/null 2>&1; then
      echo "==> stopping the system tor service that the install started" >&2
      /etc/init.d/tor stop || true
    fi
  else
    echo "Please install: ${need[*]} (for example: sudo apt-get install ${need[*]})" >&2
  fi
fi
echo "Setup complete."
