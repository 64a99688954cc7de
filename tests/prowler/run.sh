#!/usr/bin/env bash
# Runs Prowler's CodeArtifact check against the emulator serving the demo world, with nothing
# but AWS_ENDPOINT_URL (and dummy credentials and region) pointing it there. Optional, not part
# of `cargo test`: it needs Python 3 and downloads Prowler from PyPI. See README.md here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${PROWLER_VENV:-$root/target/prowler-venv}"
world="${PROWLER_WORLD:-$root/fixtures/demo/acme.json}"
output="${PROWLER_OUTPUT:-$root/target/prowler-output}"
check="${PROWLER_CHECK:-codeartifact_packages_external_public_publishing_disabled}"

if [ ! -x "$venv/bin/prowler" ]; then
    echo "creating $venv and installing prowler from PyPI (large: about 2.3 GB, 15 minutes)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "prowler${PROWLER_VERSION:+==$PROWLER_VERSION}"
fi
"$venv/bin/prowler" --version

cargo build --quiet -p codeartifact-emulator --manifest-path "$root/Cargo.toml"
emulator="$root/target/debug/codeartifact-emulator"
log="$(mktemp)"
"$emulator" --inventory "$world" --port 0 >"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$log" && break
    sleep 0.1
done
url="$(sed -n 's/.*listening on //p' "$log" | head -n1)"
[ -n "$url" ] || { echo "the emulator did not start" >&2; exit 1; }
echo "emulator at $url" >&2

rm -rf "$output"
mkdir -p "$output"
status=0
# Only the endpoint override: every AWS service Prowler calls goes to the emulator, which
# serves CodeArtifact and STS.
env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    AWS_ENDPOINT_URL="$url" \
    AWS_ACCESS_KEY_ID=AKIDPROWLER AWS_SECRET_ACCESS_KEY=dummy AWS_DEFAULT_REGION=us-east-1 \
    "$venv/bin/prowler" aws --region us-east-1 --checks "$check" \
    --output-formats csv --output-directory "$output" --no-banner \
    --log-level ERROR --log-file "$output/prowler.log" || status=$?

echo "--- findings (CSV) ---"
cat "$output"/*.csv 2>/dev/null || echo "(no CSV written)"
echo "--- requests the emulator received ---"
curl -s "$url/__emulator/stats" || true
echo
# Prowler reports "no findings" when its CodeArtifact calls fail; that is not a pass.
if grep -i "codeartifact" "$output/prowler.log" 2>/dev/null | grep -q "Error"; then
    echo "--- Prowler's CodeArtifact calls failed ---" >&2
    grep -i "codeartifact" "$output/prowler.log" | grep "Error" >&2
    exit 3
fi
exit "$status"
