#!/usr/bin/env bash
# Real-time tests of the wave sink (engine/sink) on a real-time audio device without a sound card:
# jackd's dummy driver (paced by the system clock) + ALSA's jack PCM plugin, so naudiodon's
# PortAudio (ALSA host API) plays into JACK, where tests/audio/jack-tap.c records and timestamps it.
# See ../shared/platform/README.md §2. Not run by `npm test`: `npm run test:audio`, under RT priority:
#   chrt -f 20 npm run test:audio
# Needs (Debian): jackd2 libjack-jackd2-dev libasound2-plugins (in ONE apt-get command), gcc.
#
# Scenarios (each in a fresh Node process; results and captures in $OUT):
#   a) 440 Hz sine, render loop in a worker, PortAudio at 128-frame blocks, $SINE_SECONDS s:
#      0 glitches and 0 ms of gaps in the capture, 0 underruns counted, 0 underflow lines.
#   b) latency from a note written to the command ring (process.hrtime) to its onset at the JACK
#      tap, at 64, 128 and 256-frame blocks (reported; asserted only to be below 100 ms).
#   c) a 300 ms stall of the main thread every 2 s while the render loop runs in the worker: clean
#      as in a). Then the same with the render loop on the main thread (the control): its
#      underruns are reported, not asserted, and show why the worker is there.
# Env: OUT (default /tmp/dmus-audio-test), SINE_SECONDS (10), LATENCY_SECONDS (6), STALL_SECONDS (7),
#      JACK_PERIOD (256: PortAudio's ALSA probe of the jack plugin fails with a 128-frame JACK period).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-/tmp/dmus-audio-test}
SINE_SECONDS=${SINE_SECONDS:-10}
LATENCY_SECONDS=${LATENCY_SECONDS:-6}
STALL_SECONDS=${STALL_SECONDS:-7}
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

JACKD_PID=
start_jackd() {
  jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p "$1" > "$OUT/jackd.log" 2>&1 &
  JACKD_PID=$!
  pids+=("$JACKD_PID")
  for _ in $(seq 100); do jack_lsp > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "jackd did not start:"; cat "$OUT/jackd.log"; exit 1
}
stop_jackd() { kill "$JACKD_PID" 2>/dev/null || true; wait "$JACKD_PID" 2>/dev/null || true; }
TAP_PID=
tap() {
  "$OUT/jack-tap" "$OUT/$1.wav" 120 > "$OUT/$1.tap.log" &
  TAP_PID=$!
  pids+=("$TAP_PID")
  for _ in $(seq 100); do grep -q ready "$OUT/$1.tap.log" 2>/dev/null && return 0; sleep 0.05; done
  echo "jack-tap did not start"; exit 1
}
untap() { kill -INT "$TAP_PID" 2>/dev/null || true; wait "$TAP_PID" || true; }
# stdbuf -oL: naudiodon's printf's reach the log line by line (counted by report.js).
scenario() {
  local name=$1; shift
  tap "$name"
  stdbuf -oL node "$BUILD/tests/audio/audio-scenario.js" "$@" --out "$OUT/$name.json" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || true
  untap
}
report() {
  local name=$1; shift
  node "$BUILD/tests/audio/report.js" --result "$OUT/$name.json" --wav "$OUT/$name.wav" --tap "$OUT/$name.tap.log" --stdout "$OUT/$name.stdout" "$@" | tee "$OUT/$name.report.json"
}
fail=0

start_jackd "$JACK_PERIOD"
echo "== a) ${SINE_SECONDS} s of 440 Hz through WaveSink + PortAudioOutput (worker), 128-frame blocks"
scenario sine sine --block 128 --seconds "$SINE_SECONDS"
report sine --expect-clean || fail=1

echo "== b) latency: note written (hrtime) -> onset at the JACK tap"
for b in 64 128 256; do
  scenario "latency-$b" latency --block "$b" --seconds "$LATENCY_SECONDS"
  report "latency-$b" || fail=1
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!(r.latency.matched>=r.latency.notes-1&&r.latency.maxMs<100)){console.error("FAIL: latency "+process.argv[1]);process.exit(1)}' "$OUT/latency-$b.report.json" || fail=1
done

echo "== c) main thread stalls 300 ms every 2 s; render loop in the worker"
scenario stall-worker stall --block 128 --seconds "$STALL_SECONDS" --stall-ms 300
report stall-worker --expect-clean || fail=1
echo "== c') control: the same stalls with the render loop on the main thread (expected to underrun)"
scenario stall-main stall --block 128 --seconds "$STALL_SECONDS" --stall-ms 300 --main-thread
report stall-main || true
stop_jackd

if [ "$fail" -ne 0 ]; then echo "AUDIO TESTS FAILED (details in $OUT)"; exit 1; fi
echo "audio tests passed (details in $OUT)"
