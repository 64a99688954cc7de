#!/usr/bin/env bash
# Side by side: caguard's live scan and Prowler's CodeArtifact check against the same emulator
# world (a generated world of N packages) behind the same latency, each against a fresh
# emulator, and the ratio of their wall times and peak memory. Optional, not part of
# `cargo test` or CI: it needs Python 3 and installs Prowler from PyPI into a venv (large; see
# tests/prowler/README.md). Nothing but 127.0.0.1 is contacted.
#
#   benches/prowler_side_by_side.sh [PACKAGES] [LATENCY_MS]      (defaults: 1000, 20)
#   PROWLER_VENV=/path/to/venv benches/prowler_side_by_side.sh   (reuse a venv)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages="${1:-1000}"
latency="${2:-20}"
venv="${PROWLER_VENV:-$root/target/prowler-venv}"
check="codeartifact_packages_external_public_publishing_disabled"
work="$(mktemp -d)"
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/prowler" ]; then
    echo "creating $venv and installing prowler from PyPI (about 2.3 GB)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "prowler${PROWLER_VERSION:+==$PROWLER_VERSION}"
fi
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p caguard -p codeartifact-emulator
bin="$root/target/release"

start_emulator() {
    "$bin/codeartifact-emulator" --generate "$packages" --latency-ms "$latency" --port 0 \
        >"$work/emulator.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do
        grep -q "listening on" "$work/emulator.log" && break
        sleep 0.1
    done
    url="$(sed -n 's/.*listening on //p' "$work/emulator.log" | head -n1)"
    [ -n "$url" ] || { echo "the emulator did not start" >&2; exit 1; }
}

# Runs the command with only the emulator's endpoint and dummy credentials in its environment;
# prints "seconds peak_kib".
measure() {
    /usr/bin/env -i PATH="$PATH" HOME="$work" AWS_ENDPOINT_URL="$url" \
        AWS_ACCESS_KEY_ID=AKIDSIDEBYSIDE AWS_SECRET_ACCESS_KEY=dummy AWS_DEFAULT_REGION=us-east-1 \
        AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
    cat "$work/time" | tail -n1
}

start_emulator
read -r caguard_s caguard_kib < <(measure "$bin/caguard" scan --no-progress -q --format json \
    --output "$work/caguard.json")
caguard_requests="$(curl -s "$url/__emulator/stats" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')"
kill "$pid"; wait "$pid" 2>/dev/null || true

start_emulator
read -r prowler_s prowler_kib < <(measure "$venv/bin/prowler" aws --region us-east-1 \
    --checks "$check" --output-formats csv --output-directory "$work/prowler" --no-banner \
    --log-level ERROR)
prowler_requests="$(curl -s "$url/__emulator/stats" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')"

echo "world: $packages packages, emulator latency $latency ms"
printf '%-8s %10s %12s %10s\n' tool seconds "peak MiB" requests
printf '%-8s %10s %12d %10s\n' caguard "$caguard_s" "$((caguard_kib / 1024))" "$caguard_requests"
printf '%-8s %10s %12d %10s\n' prowler "$prowler_s" "$((prowler_kib / 1024))" "$prowler_requests"
python3 -c "print(f'prowler / caguard: {float(\"$prowler_s\") / max(float(\"$caguard_s\"), 0.001):.1f}x the time, {$prowler_kib / max($caguard_kib, 1):.1f}x the memory')"
