#!/usr/bin/env bash
# The dashboard of `ggmwatch serve` as a person sees it: starts a server on a temporary database,
# creates three simulated streams (a global change, a change confined to a hub, no change), feeds
# them over HTTP in 100-row CSV batches, waits for their calibrations, screenshots GET / with
# headless Chromium (scripts/screenshot-report.sh) and stops the server.
#
# Usage: scripts/screenshot-dashboard.sh [OUT.png]   (default docs/dashboard.png)
# Needs a release build (swift build -c release), curl, python3 and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/dashboard.png}
bin=.build/release/ggmwatch
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 1; }
work=$(mktemp -d)
"$bin" serve --port 0 --port-file "$work/port" --database "$work/streams.sqlite" 2>"$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$work/port")"

feed() { # name, CSV file, settings JSON
    local name=$1 csv=$2 settings=$3
    local columns
    columns=$(head -1 "$csv" | python3 -c 'import sys, json; print(json.dumps(sys.stdin.read().strip().split(",")))')
    curl -sf -X POST "$base/v1/streams" -d "{\"name\": \"$name\", \"columns\": $columns, \"settings\": $settings}" >/dev/null
    local n first=0
    n=$(( $(wc -l < "$csv") - 1 ))
    while [ $first -lt $n ]; do
        { head -1 "$csv"; sed -n "$((first + 2)),$((first + 101))p" "$csv"; } > "$work/batch.csv"
        curl -sf -X POST "$base/v1/streams/$name/observations?first=$first" -H 'content-type: text/csv' --data-binary @"$work/batch.csv" >/dev/null
        first=$((first + 100))
    done
}

"$bin" simulate --nodes 30 --segment-lengths 700,600,500 --change global --seed 3 -o "$work/a.csv"
"$bin" simulate --nodes 20 --segment-lengths 800,700 --graph hub --change perturb-hub --seed 5 -o "$work/b.csv"
"$bin" simulate --nodes 25 --segment-lengths 1500 --seed 8 -o "$work/c.csv"
feed boiler-house "$work/a.csv" '{"window": 30, "refitEvery": 30, "arl": 2000}'
feed compressor-2 "$work/b.csv" '{"window": 30, "refitEvery": 30, "arl": 2000}'
feed cooling-loop "$work/c.csv" '{"window": 30, "refitEvery": 30, "arl": 2000}'
for _ in $(seq 600); do
    curl -sf "$base/v1/streams" | python3 -c 'import sys, json; s = json.load(sys.stdin)["streams"]; sys.exit(0 if all(not x["pendingCalibration"] and not x["calibrating"] for x in s) else 1)' && break
    sleep 0.5
done
WAIT_MS=${WAIT_MS:-4000} scripts/screenshot-report.sh "$base/" "$out" 1300x1240
