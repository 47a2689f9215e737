#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own), plus a Korean font so screenshots of the Korean page
# show Hangul rather than empty boxes. Does nothing when both are already there.
set -euo pipefail

packages=()
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
if ! { command -v fc-list >/dev/null && fc-list :lang=ko family | grep -q .; }; then
    packages+=(fonts-nanum)
fi
((${#packages[@]} == 0)) && exit 0

# CI runs as root; elsewhere sudo, if there is one.
sudo=()
((EUID == 0)) || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing ${packages[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
/usr/bin/chromium --version
