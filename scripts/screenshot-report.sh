#!/usr/bin/env bash
# Renders a ggmwatch HTML report (or a page served by `ggmwatch serve`, given by its http:// URL)
# with headless Chromium and saves a PNG screenshot, so it can be checked the way a person sees it.
# A served page runs its scripts for WAIT_MS (default 5000) first (--timeout: a virtual-time budget
# never runs out while the dashboard's live feeds hold their requests open).
#
# Usage: scripts/screenshot-report.sh REPORT.html|URL OUT.png [WIDTHxHEIGHT] [SCALE]
#   WIDTHxHEIGHT defaults to 1400x3000 (CSS pixels); make the height generous: the empty
#   background below the page is cut off afterwards when ImageMagick is installed (TRIM=0 keeps it).
#   SCALE is the device scale factor (default 1); 0.75 gives a smaller PNG of the same layout.
#   With pngquant installed the PNG is palette-compressed (COMPRESS=0 keeps it as Chromium wrote it).
# Needs the Debian package `chromium` (apt-get update && apt-get install -y chromium).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT] [SCALE]" >&2
    exit 2
fi
report=$1
out=$2
size=${3:-1400x3000}
scale=${4:-1}
width=${size%x*}
height=${size#*x}

wait=()
case "$report" in
http://*|https://*) page="$report"; wait=(--timeout="${WAIT_MS:-5000}") ;;
*)
    if [ ! -f "$report" ]; then
        echo "error: no such report: $report" >&2
        exit 1
    fi
    page="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
    ;;
esac

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser=$candidate
        break
    fi
done
if [ -z "$browser" ]; then
    echo "error: Chromium not found; install it with: apt-get update && apt-get install -y chromium" >&2
    exit 1
fi

abs_out=$(mkdir -p "$(dirname "$out")" && cd "$(dirname "$out")" && pwd)/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# --hide-scrollbars keeps the picture clean; a private profile avoids touching the user's one.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --disable-extensions \
    --force-device-scale-factor="$scale" \
    --window-size="$width,$height" --screenshot="$abs_out" \
    "${wait[@]}" \
    "$page" >/dev/null 2>&1

if [ ! -s "$abs_out" ]; then
    echo "error: Chromium produced no screenshot" >&2
    exit 1
fi

# Cut the empty background below the page (keeps the full width) when ImageMagick is available.
if command -v convert >/dev/null 2>&1 && [ "${TRIM:-1}" = 1 ]; then
    box=$(convert "$abs_out" -format '%@' info: 2>/dev/null || true)   # WxH+X+Y of the non-background area
    if [[ $box =~ ^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$ ]]; then
        bottom=$(( BASH_REMATCH[2] + BASH_REMATCH[4] + 24 ))
        full_width=$(convert "$abs_out" -format '%w' info:)
        if [ "$bottom" -lt "$(convert "$abs_out" -format '%h' info:)" ]; then
            convert "$abs_out" -crop "${full_width}x${bottom}+0+0" +repage "$abs_out"
        fi
    fi
fi
# Shrink the file (lossy palette, visually identical for flat report graphics) when pngquant is installed.
if command -v pngquant >/dev/null 2>&1 && [ "${COMPRESS:-1}" = 1 ]; then
    pngquant --quality=70-95 --speed 1 --force --output "$abs_out" -- "$abs_out" || true
fi
echo "$abs_out"
