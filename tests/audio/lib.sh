# Shared by tests/audio/run-audio-tests.sh and tests/bench/audio-latency.bench.sh (sourced, from the
# repository root): builds the scenario driver and jack-tap, and starts/stops jackd (dummy driver,
# under its own server name) and the tap. Every process started here is killed by the EXIT trap.
ROOT=$PWD
OUT=${OUT:-/tmp/dmus-audio-test}
JACK_PERIOD=${JACK_PERIOD:-256}
BUILD=$ROOT/node_modules/.cache/dmus-audio-build
mkdir -p "$OUT"
# The whole ALSA configuration (a ~/.asoundrc is ignored), and our own JACK server name, so other
# JACK servers on the machine (other tests) neither disturb nor are disturbed.
export ALSA_CONFIG_PATH=$ROOT/tests/audio/jack-asound.conf
export JACK_DEFAULT_SERVER=dmus-audio-test-$$

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== build (tsc -> $BUILD, gcc jack-tap)"
rm -rf "$BUILD"
"$ROOT/node_modules/.bin/tsc" --ignoreConfig --outDir "$BUILD" --rootDir "$ROOT" --module nodenext --moduleResolution nodenext \
  --target es2023 --types node --skipLibCheck --noEmitOnError false \
  tests/audio/audio-scenario.ts tests/audio/report.ts tests/engine/sink/render-worker.ts > "$OUT/tsc.log" 2>&1 || true
test -f "$BUILD/tests/audio/audio-scenario.js" || { cat "$OUT/tsc.log"; exit 1; }
echo '{"type":"module"}' > "$BUILD/package.json"
gcc -O2 -o "$OUT/jack-tap" tests/audio/jack-tap.c -ljack -lm
gcc -O2 -pthread -o "$OUT/stall-canary" tests/audio/stall-canary.c

JACKD_PID=
# -P 80: the JACK graph's real-time thread must outrank the engine when the tests run under
# chrt -f 20 (every thread of the engine inherits that priority and would starve JACK's at 10).
start_jackd() {
  jackd -n "$JACK_DEFAULT_SERVER" -P 80 -d dummy -r 48000 -p "$1" > "$OUT/jackd.log" 2>&1 &
  JACKD_PID=$!
  pids+=("$JACKD_PID")
  for _ in $(seq 100); do jack_lsp > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "jackd did not start:"; cat "$OUT/jackd.log"; exit 1
}
stop_jackd() { kill "$JACKD_PID" 2>/dev/null || true; wait "$JACKD_PID" 2>/dev/null || true; }
TAP_PID=
tap() {
  "$OUT/jack-tap" "$OUT/$1.wav" "${TAP_SECONDS:-120}" > "$OUT/$1.tap.log" &
  TAP_PID=$!
  pids+=("$TAP_PID")
  for _ in $(seq 100); do grep -q ready "$OUT/$1.tap.log" 2>/dev/null && return 0; sleep 0.05; done
  echo "jack-tap did not start"; exit 1
}
untap() { kill -INT "$TAP_PID" 2>/dev/null || true; wait "$TAP_PID" || true; }
# CPU time the hypervisor took from this (virtual) machine, in ms since boot (/proc/stat "steal").
# On a shared host it comes in bursts that stop every thread at once, jackd's real-time one too, so
# a run that lost much of it says nothing about the engine (report.ts: "the machine was starved").
steal_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%d\n", $9 * 1000 / hz}' /proc/stat; }
# The hypervisor's steal during a run, in total and in its worst 50 ms (tests/audio/steal-watch.mjs),
# watched at normal priority (the tests run under chrt -f 20): it only watches.
# Beside it, the stall canary (tests/audio/stall-canary.c): a thread per CPU above every other
# real-time thread, that sees exactly when the machine stopped running a CPU; written to
# <name>.canary.json beside the steal file, so an underrun can be lined up with a stall.
WATCH_PID=
CANARY_PID=
steal_watch() {
  chrt -o 0 node "$ROOT/tests/audio/steal-watch.mjs" "$1" "$(getconf CLK_TCK)" & WATCH_PID=$!; pids+=("$WATCH_PID")
  "$OUT/stall-canary" "${1%.steal.json}.canary.json" > /dev/null & CANARY_PID=$!; pids+=("$CANARY_PID")
}
steal_unwatch() {
  kill -TERM "$WATCH_PID" "$CANARY_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  wait "$CANARY_PID" 2>/dev/null || true
}
# stdbuf -oL: naudiodon's printf's reach the log line by line (counted by report.js).
scenario() {
  local name=$1; shift
  tap "$name"
  steal_watch "$OUT/$name.steal.json"
  stdbuf -oL node "$BUILD/tests/audio/audio-scenario.js" "$@" --out "$OUT/$name.json" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || true
  steal_unwatch
  untap
}
report() {
  local name=$1; shift
  node "$BUILD/tests/audio/report.js" --result "$OUT/$name.json" --wav "$OUT/$name.wav" --tap "$OUT/$name.tap.log" --stdout "$OUT/$name.stdout" \
    --steal "$OUT/$name.steal.json" --canary "$OUT/$name.canary.json" "$@" | tee "$OUT/$name.report.json"
}
# Every clean-run test is judged only on a run the machine did not starve (machine-stalls.ts: no JACK
# xruns, at most 100 ms of steal in all and 20 ms in any 50 ms, no CPU stalled over 5 ms). When all its attempts
# were starved, the test has no verdict: that is reported loudly and, unless DMUS_AUDIO_STRICT=1
# (a developer's quiet machine), not counted as a failure of the engine.
ATTEMPTS=${AUDIO_ATTEMPTS:-5}
no_verdict() {
  echo "INCONCLUSIVE: $1: in all $ATTEMPTS attempts the machine itself missed real-time deadlines (JACK xruns / CPU steal); no verdict on the engine"
  [ "${DMUS_AUDIO_STRICT:-0}" = "1" ] && return 1
  return 0
}
