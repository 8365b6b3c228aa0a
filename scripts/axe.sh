#!/usr/bin/env bash
# Checks HTML files against WCAG 2.1 A and AA with axe-core (npm @axe-core/cli), in Debian's
# headless Chromium and chromedriver. Installs the pinned npm package into tools/axe the
# first time (it never downloads a browser or a driver).
#
# Usage: scripts/axe.sh FILE.html [FILE.html ...] [-- extra axe options, e.g. --stdout]
# Exit status: 0 no violations, 1 violations found, 2 cannot run (no node, chromium or driver).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool="$here/tools/axe"
axe="$tool/node_modules/.bin/axe"
chromium="$(command -v chromium || command -v chromium-browser || true)"
driver="$(command -v chromedriver || true)"
[ -n "$chromium" ] && [ -n "$driver" ] || { echo "axe.sh: needs Debian chromium and chromium-driver (scripts/install-system-deps.sh)" >&2; exit 2; }
command -v npm >/dev/null || { echo "axe.sh: needs node and npm" >&2; exit 2; }
if [ ! -x "$axe" ]; then
  echo "axe.sh: installing @axe-core/cli into tools/axe" >&2
  ( cd "$tool" && CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error >&2 )
fi
files=(); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  files+=("$1"); shift
done
[ ${#files[@]} -gt 0 ] || { echo "usage: scripts/axe.sh FILE.html [FILE.html ...] [-- axe options]" >&2; exit 2; }
urls=()
for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "axe.sh: no such file: $f" >&2; exit 2; }
  urls+=("file://$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
# The chromium wrapper script may print a harmless shell warning; axe's own output is what counts.
exec "$axe" "${urls[@]}" \
  --chrome-options="no-sandbox,headless=new,disable-gpu,disable-dev-shm-usage,no-first-run,disable-background-networking,disable-component-update,disable-sync,disable-quic" \
  --chromedriver-path "$driver" --chrome-path "$chromium" \
  --tags wcag2a,wcag2aa,wcag21a,wcag21aa \
  --exit "${extra[@]}"
