#!/bin/sh
# Installs Debian's Chromium for the dashboard's browser tests when it is
# missing. Playwright drives it through executable_path; its own browser
# downloads are never used (they need the internet at test time). A font
# package makes screenshots readable on a minimal image.
set -eu
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation
"$CHROMIUM" --version
