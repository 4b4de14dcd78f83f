#!/usr/bin/env bash
# Benchmark of the whole live engine on the JACK dummy device (issue 5): engine-added latency from a
# MIDI event reaching the engine (sendMidi, the on-screen keyboard's path) to its first sample
# leaving the sink (handed to PortAudio: AudioOutputStats.lastOnsetAtMs) and to the JACK tap, and underruns, at 64-, 128- and 256-frame buffers with VOICES
# looped voices sounding (rendered on a pin muted in the mix, so the probes stand out).
#
#   chrt -f 20 bash tests/bench/live-engine.bench.sh [SECONDS=300] [BLOCKS="64 128 256"] [VOICES=256]
#
# Underruns are counted after set-up and each is lined up with the stall canary
# (tests/audio/machine-stalls.ts): "(n)" of them had a stall of the machine beside them.
# The figure includes PortAudio's ALSA buffering and the JACK period (256 frames, 5.3 ms): what a
# real card adds is its own one or two periods. Prints a markdown table for docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-300}
BLOCKS=${2:-64 128 256}
VOICES=${3:-256}
# jack-tap keeps the whole run in memory and stops after TAP_SECONDS.
export TAP_SECONDS=$((SECONDS_PER_RUN + 30))
OUT=${OUT:-/tmp/dmus-live-bench}
# shellcheck source=tests/audio/lib.sh
source tests/audio/lib.sh
ENGINE_BUILD=$ROOT/node_modules/.cache/dmus-engine-bench-build
rm -rf "$ENGINE_BUILD"
"$ROOT/node_modules/.bin/tsc" --ignoreConfig --outDir "$ENGINE_BUILD" --rootDir "$ROOT" --module nodenext --moduleResolution nodenext \
  --target es2023 --types node --skipLibCheck --noEmitOnError false \
  tests/audio/engine-scenario.ts tests/audio/report.ts engine/host/render-worker.ts > "$OUT/engine-tsc.log" 2>&1 || true
echo '{"type":"module"}' > "$ENGINE_BUILD/package.json"
rows=()
for b in $BLOCKS; do
  start_jackd "$JACK_PERIOD"
  tap "live-$b"
  steal_watch "$OUT/live-$b.steal.json"
  stdbuf -oL node "$ENGINE_BUILD/tests/audio/engine-scenario.js" latency --bank "$ROOT/assets/dmus-gm.dls" --block "$b" --seconds "$SECONDS_PER_RUN" --voices "$VOICES" --out "$OUT/live-$b.json" > "$OUT/live-$b.stdout" 2> "$OUT/live-$b.stderr" || true
  steal_unwatch
  untap
  stop_jackd
  rows+=("$(node --input-type=module -e '
    import { readFileSync } from "node:fs";
    const { latencies } = await import(process.argv[1]);
    const { readCanary, readSteal, longestStallMs, unexplainedUnderruns } = await import(process.argv[5]);
    const r = JSON.parse(readFileSync(process.argv[2], "utf8"));
    const tap = readFileSync(process.argv[3], "utf8");
    const lines = (readFileSync(process.argv[4], "utf8").match(/output underflow/g) || []).length;
    const xruns = Number((/jack_xruns (\d+)/.exec(tap) || [])[1] ?? NaN);
    if (!r.ok) { console.log(`| ${r.block} | failed: ${r.error} |`); process.exit(0); }
    const l = latencies(r.notesUs, tap);
    const steal = readSteal(process.argv[6]);
    const canary = readCanary(process.argv[7]);
    const timed = r.underrunsAt ?? [];
    const machine = canary?.rt ? timed.length - unexplainedUnderruns(timed, canary).length : "?";
    const rt = r.renderThread?.realtime ? `FIFO ${r.renderThread.priority}` : "normal";
    const sink = [...(r.sinkMs ?? [])].sort((a, b) => a - b);
    const q = (p) => sink.length ? sink[Math.min(sink.length - 1, Math.floor(p * sink.length))].toFixed(2) : "-";
    const sinkCol = `${sink.length ? sink[0].toFixed(2) : "-"} / ${q(0.5)} / ${q(0.95)} / ${sink.length ? sink[sink.length - 1].toFixed(2) : "-"}`;
    console.log(`| ${r.block} (${(r.block / 48).toFixed(2)} ms) | ${r.voicesHeld} | ${l.matched}/${l.notes} | ${sinkCol} | ${l.minMs} / ${l.medianMs} / ${l.p95Ms} / ${l.maxMs} | ${r.latencyMs.toFixed(1)} | ${r.underruns} (${machine}) | ${r.setupUnderruns} | ${lines} | ${xruns} | ${steal.stealMs} | ${longestStallMs(canary).toFixed(1)} | ${rt} |`);
  ' "$ENGINE_BUILD/tests/audio/report.js" "$OUT/live-$b.json" "$OUT/live-$b.tap.log" "$OUT/live-$b.stdout" "$ENGINE_BUILD/tests/audio/machine-stalls.js" "$OUT/live-$b.steal.json" "$OUT/live-$b.canary.json")")
done
echo
echo "$(date) | $(nproc) CPUs | $(lscpu | grep 'Model name' | sed 's/ \{2,\}/ /g') | node $(node --version) | ${SECONDS_PER_RUN} s per buffer size | ${VOICES} voices | JACK period $JACK_PERIOD"
echo
echo "| buffer (frames) | voices sounding | probes matched | event -> sink (engine-added) ms min / median / p95 / max | event -> JACK tap ms min / median / p95 / max | engine's latency estimate ms | underruns while probing (of them beside a stall of the machine) | set-up underruns | underflow lines | JACK xruns | CPU stolen by the hypervisor (ms) | longest stall of a CPU (ms) | render thread |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
