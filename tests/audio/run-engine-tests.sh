#!/usr/bin/env bash
# Real-time test of the whole engine on the JACK dummy device (../shared/platform/README.md §2):
# a corpus song played for $SONG_SECONDS s by the live engine (session, render worker, synth,
# wave sink, PortAudio) at 128-frame buffers must show 0 underruns, 0 naudiodon underflow lines,
# and sound like the offline render of the same song (tests/audio/compare-song.ts).
# Part of `npm run test:audio`; run it under RT priority (chrt -f 20) as CI does.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The shared corpus sits beside the checkout (../shared/corpus) or where DMUS_CORPUS says; a clone
# without it plays a song the project writes itself (tests/audio/make-test-song.mjs).
CORPUS=${DMUS_CORPUS:-}
for c in ../shared/corpus /work/shared/corpus; do
  if [ -z "$CORPUS" ] && [ -d "$c" ]; then CORPUS=$c; fi
done
SONG_SECONDS=${SONG_SECONDS:-10}
# shellcheck source=tests/audio/lib.sh
source tests/audio/lib.sh
npm run -s build:engine  # bin/dmus.mjs (the offline render) runs from dist/
ENGINE_BUILD=$ROOT/node_modules/.cache/dmus-engine-audio-build
rm -rf "$ENGINE_BUILD"
"$ROOT/node_modules/.bin/tsc" --ignoreConfig --outDir "$ENGINE_BUILD" --rootDir "$ROOT" --module nodenext --moduleResolution nodenext \
  --target es2023 --types node --skipLibCheck --noEmitOnError false \
  tests/audio/engine-scenario.ts tests/audio/compare-song.ts tests/audio/judge-song.ts engine/host/render-worker.ts engine/cli.ts > "$OUT/engine-tsc.log" 2>&1 || true
test -f "$ENGINE_BUILD/tests/audio/engine-scenario.js" || { cat "$OUT/engine-tsc.log"; exit 1; }
echo '{"type":"module"}' > "$ENGINE_BUILD/package.json"
if [ -z "${SONG:-}" ]; then
  if [ -n "$CORPUS" ] && [ -f "$CORPUS/midi/symphony_7_2.mid" ]; then
    SONG=$CORPUS/midi/symphony_7_2.mid
  else
    SONG=$OUT/test-song.mid
    node tests/audio/make-test-song.mjs "$SONG"
    echo "(no shared corpus on this machine: playing the generated song $SONG)"
  fi
fi
if [ ! -f "$SONG" ]; then echo "song $SONG not found"; exit 1; fi

# One attempt: play, capture, judge (tests/audio/judge-song.ts). Exit 0 clean, 1 failed, 3
# inconclusive: every underrun lines up with a moment the machine stopped a CPU (machine-stalls.ts).
# ENGINE_NODE_FLAGS: extra node flags for the engine under test, to look into a failure
# (e.g. ENGINE_NODE_FLAGS=--trace-deopt, or --trace-gc); empty in CI.
attempt() {
  start_jackd "$JACK_PERIOD"
  echo "== the whole engine plays $(basename "$SONG") for ${SONG_SECONDS} s at 128-frame buffers"
  tap song
  steal_watch "$OUT/song.steal.json"
  stdbuf -oL node ${ENGINE_NODE_FLAGS:-} "$ENGINE_BUILD/tests/audio/engine-scenario.js" song --song "$SONG" --bank "$ROOT/assets/dmus-gm.dls" --block 128 --seconds "$SONG_SECONDS" --out "$OUT/song.json" > "$OUT/song.stdout" 2> "$OUT/song.stderr" || true
  steal_unwatch
  untap
  stop_jackd
  local verdict=0
  node "$ENGINE_BUILD/tests/audio/judge-song.js" "$OUT/song.json" "$OUT/song.stdout" "$OUT/song.tap.log" "$OUT/song.steal.json" "$OUT/song.canary.json" || verdict=$?
  if [ "$verdict" -ne 0 ]; then return "$verdict"; fi
  echo "== offline render of the same song, compared with the capture"
  node bin/dmus.mjs render "$SONG" --out "$OUT/song-offline.wav" --quiet > "$OUT/song-offline.log"
  node "$ENGINE_BUILD/tests/audio/compare-song.js" "$OUT/song.wav" "$OUT/song-offline.wav" "$((SONG_SECONDS - 2))" || { echo "FAIL: the live capture does not match the offline render"; return 1; }
  # Control: the same comparison must tell a different render apart (the same song on another bank).
  if [ -n "$CORPUS" ] && [ -f "$CORPUS/banks/TimGM6mb.dls" ]; then
    node bin/dmus.mjs render "$SONG" --bank "$CORPUS/banks/TimGM6mb.dls" --out "$OUT/song-other-bank.wav" --quiet > /dev/null
    if node "$ENGINE_BUILD/tests/audio/compare-song.js" "$OUT/song.wav" "$OUT/song-other-bank.wav" "$((SONG_SECONDS - 2))"; then
      echo "FAIL: the comparison could not tell the song on another bank apart"; return 1
    fi
    echo "(control: the render on another bank is told apart, as it must be)"
  fi
}

fail=1
for try in $(seq "$ATTEMPTS"); do
  verdict=0
  attempt || verdict=$?
  if [ "$verdict" -eq 0 ]; then fail=0; break; fi
  if [ "$verdict" -ne 3 ]; then break; fi
  echo "(attempt $try inconclusive; trying again)"
done
if [ "$verdict" -eq 3 ] && no_verdict "the live song run"; then fail=0; fi
if [ "$fail" -ne 0 ]; then echo "ENGINE AUDIO TEST FAILED (details in $OUT)"; exit 1; fi
echo "engine audio test passed (details in $OUT)"
