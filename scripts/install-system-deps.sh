#!/usr/bin/env bash
# Installs the Debian packages doctool's renderers and tests use, only where missing.
# poppler-utils: pdftotext/pdftoppm; qpdf: PDF checks; libreoffice-writer-nogui: proves each
# .docx opens; liblouis*: braille; espeak-ng + lame: audio; fonts-liberation2: metric fallback;
# libpango: WeasyPrint's text layout; chromium + chromium-driver: axe-core checks of the HTML
# (scripts/axe.sh, with the machine's node and npm); redis-server: the queue's tests and
# benchmark start their own on a free loopback port (never the system service).
set -euo pipefail
packages=(poppler-utils qpdf libreoffice-writer-nogui liblouis-bin liblouisutdml-bin espeak-ng lame
          fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium chromium-driver redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
