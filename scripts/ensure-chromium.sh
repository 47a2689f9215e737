#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own), plus a Korean font so screenshots of the Korean page
# show Hangul rather than empty boxes, and NSS's certutil. Does nothing when all are there.
set -euo pipefail

packages=()
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
# certutil: the rehearsal's Chromium trusts its run-time CA through an NSS database (make rehearse)
command -v certutil >/dev/null || packages+=(libnss3-tools)
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
