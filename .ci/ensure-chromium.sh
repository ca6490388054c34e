#!/usr/bin/env bash
# Debian's Chromium, for the Playwright specs and `npm run bench:sdk` (Playwright cannot download
# browsers here).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
