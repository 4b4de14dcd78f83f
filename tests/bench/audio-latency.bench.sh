#!/usr/bin/env bash
# Benchmark: engine-added output latency and underruns of the wave sink (engine/sink) over a long
# run, on the JACK dummy device (see tests/audio/run-audio-tests.sh and ../shared/platform/README.md §2).
#
#   chrt -f 20 bash tests/bench/audio-latency.bench.sh [SECONDS=60] [BLOCKS="64 128 256"]
#
# For each block size, one run of SECONDS: a worker renders (PortDMus + fake sine miniport +
# WaveSink + PortAudioOutput); every 500 ms the main thread writes a note-on to the command ring
# and records process.hrtime. Reported per block size:
#   - pickup: note written -> IRP taken by the render thread (seen in the telemetry block);
#   - tap:    note written -> its first sample at the JACK tap (jack-tap's CLOCK_MONOTONIC onset),
#             i.e. pickup + render + naudiodon's queue + PortAudio/ALSA/JACK buffering;
#   - underruns counted in-process, naudiodon "output underflow" lines, JACK xruns.
# Prints a markdown table (for docs/performance.md) and leaves the JSON in $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-60}
BLOCKS=${2:-64 128 256}
OUT=${OUT:-/tmp/dmus-audio-bench}
# shellcheck source=tests/audio/lib.sh
source tests/audio/lib.sh

start_jackd "$JACK_PERIOD"
rows=()
for b in $BLOCKS; do
  scenario "bench-$b" latency --block "$b" --seconds "$SECONDS_PER_RUN"
  report "bench-$b" > /dev/null
  rows+=("$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const l = r.latency, ms = (f) => (f / 48).toFixed(1);
    console.log(`| ${r.block} (${(r.block / 48).toFixed(2)} ms) | ${l.matched}/${l.notes} | ${r.pickupMs.median} / ${r.pickupMs.max} | ${l.minMs} / ${l.medianMs} / ${l.p95Ms} / ${l.maxMs} | ${ms(r.outputLatencyFrames)} | ${r.underrunsCounted} | ${r.underflowLines} | ${r.jackXruns} |`);
  ' "$OUT/bench-$b.report.json")")
done
stop_jackd
echo
echo "$(date) | $(nproc) CPUs | $(lscpu | grep 'Model name' | sed 's/ \{2,\}/ /g') | node $(node --version) | ${SECONDS_PER_RUN} s per block size | JACK period $JACK_PERIOD"
echo
echo "| block (frames) | notes matched | pickup ms median / max | note -> JACK tap ms min / median / p95 / max | queued estimate ms | underruns counted | underflow lines | JACK xruns |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
