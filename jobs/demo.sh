#!/usr/bin/env bash
# Runs the whole job end to end on this machine: builds the jar, starts a local stand-in for Polar
# on 127.0.0.1 (real status codes and bodies, no network, no real token), runs samples/requests.csv
# through the real job and prints the summary and the audit report. Needs only a JDK 17 and Maven.
# The report, its summary page and summary.json are kept in target/demo/ (POLAR_ERASURE_DEMO_KEEP=DIR for
# another folder); samples/ holds the copies committed with the repository.
#   jobs/demo.sh [REQUEST_FILE [RUN_OPTION...]]   e.g. jobs/demo.sh samples/requests-workbook.xlsx
#   (default samples/requests.csv; the options are added to `run`, e.g. --id-pattern or --dry-run)
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -Dstyle.color=never package -DskipTests

work=$(mktemp -d)
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true # the stand-in ends by SIGTERM: its status is not the demo's
  fi
  rm -rf "$work"
}
trap cleanup EXIT

java src/test/java/io/polarerasure/fakepolar/FakePolar.java --port-file "$work/port" \
  --customers samples/customers.txt --token demo-token --log "$work/fake-polar.log" >"$work/fake-polar.out" 2>&1 &
fake_pid=$!
# Up to 60 s: the single-file source launch compiles the stand-in first, slow on a busy machine.
for _ in $(seq 1 600); do [ -s "$work/port" ] && break; kill -0 "$fake_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/port" ] || { echo "the local stand-in for Polar did not start:" >&2; cat "$work/fake-polar.out" >&2; exit 1; }

input=${1:-samples/requests.csv}
shift || true
name=$(basename "$input")
cp "$input" "$work/$name"
report="$work/${name%.*}.audit.csv"
echo "== polar-erasure run of $input (against the local stand-in on port $(cat "$work/port"))"
status=0
POLAR_ACCESS_TOKEN=demo-token java -jar target/polar-erasure.jar run --input "$work/$name" \
  --api-url "http://127.0.0.1:$(cat "$work/port")" --state-dir "$work/state" "$@" || status=$?
echo
# The work folder goes when the demo ends: keep the report, summary page and JSON (see the top).
keep=${POLAR_ERASURE_DEMO_KEEP:-target/demo}
mkdir -p "$keep"
if [ -f "$report" ]; then
  cp "$report" "$report".summary.* "$keep"/
  echo "== audit report (kept as $keep/$(basename "$report"); summary page $keep/$(basename "$report").summary.html;"
  echo "   samples/ holds the copies committed with the repository)"
  cat "$report"
fi
if [ -f "$work/${name%.*}.plan.csv" ]; then
  cp "$work/${name%.*}.plan.csv" "$keep"/
  echo "== plan kept as $keep/${name%.*}.plan.csv"
fi
echo
echo "== exit code: $status"
exit "$status"
