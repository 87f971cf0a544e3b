#!/usr/bin/env bash
# The cron 'report' job, end to end on a simulated governor: three periods appended to a ledger,
# tiling time exactly, then the totals and a verification. On a real host, cron runs only the
# 'carbon-ops report ...' line (see deploy/carbon-ops-report.cron).
#
#   bash examples/cron_report.sh [WORKDIR]
#
# CARBON_OPS may name the binary (default: deno run -A main.ts from this checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d -t carbon-ops-cron-XXXXXX)}
mkdir -p "$work"
if [ -n "${CARBON_OPS:-}" ]; then co_cmd=("$CARBON_OPS"); else
  co_cmd=("$here/node_modules/.bin/deno" run -A --quiet "$here/main.ts")
fi
co() { "${co_cmd[@]}" "$@"; }
group=$(id -gn)

# A governor on the simulated source (120 W), in the background, until this script ends. It is
# started as a plain command (not through the 'co' function), so $! is the governor itself and
# the exit trap stops it; through a function, $! would be a subshell and the governor would be
# orphaned.
CARBON_OPS_GOVERNOR_SIM_POWER_WATTS=120 "${co_cmd[@]}" governor --rapl-mode=sim --socket "$work/gov.sock" --group "$group" > "$work/governor.log" 2>&1 &
gov=$!
trap 'kill $gov 2>/dev/null; wait $gov 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -S "$work/gov.sock" ] && break; sleep 0.1; done
[ -S "$work/gov.sock" ] || { cat "$work/governor.log"; exit 1; }

co keys generate --out "$work/keys" --name host > /dev/null
co ledger init "$work/ledger" --origin carbon-ops.example/cron-demo --key "$work/keys/host.key" > /dev/null

report() {
  co report --ledger "$work/ledger" --key "$work/keys/host.key" --socket "$work/gov.sock" \
    --region FR --min-period 0 "$@"
}
report          # first run: records the baseline only
for period in 1 2 3; do
  sleep 1
  report        # one emission record covering exactly the time since the previous run
done

co ledger totals "$work/ledger"
co ledger verify "$work/ledger" --trust "$work/ledger/trust.json" | head -n 3
echo "files in $work"
