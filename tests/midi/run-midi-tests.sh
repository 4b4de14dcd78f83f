#!/usr/bin/env bash
# Real MIDI proof (npm run test:midi; not part of `npm test`): builds the JACK-MIDI variant of
# @julusian/midi into .cache/midi-jack if needed, starts a private JACK server with the dummy
# driver, and runs tests/midi/*.jack.ts through vitest with MIDI_MODULE pointing at the build.
# Needs (Debian): apt-get install -y --no-install-recommends jackd2 libjack-jackd2-dev libasound2-plugins
# (jackd2 and libjack-jackd2-dev in ONE command, or apt may pick JACK1 and remove jackd2).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v jackd > /dev/null || { echo "test:midi: jackd missing: apt-get install -y --no-install-recommends jackd2 libjack-jackd2-dev libasound2-plugins" >&2; exit 1; }
[ -f .cache/midi-jack/build/Release/midi.node ] || bash tests/midi/build-midi-jack.sh
export MIDI_MODULE=$PWD/.cache/midi-jack
# A server of our own name: never disturbs (or depends on) a jackd someone else runs on this machine.
export JACK_DEFAULT_SERVER=dmus-midi-test-$$
LOG=$(mktemp /tmp/jackd-midi.XXXXXX.log)
jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 > "$LOG" 2>&1 &
JACKD=$!
cleanup() { kill "$JACKD" 2> /dev/null || true; wait "$JACKD" 2> /dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT
for _ in $(seq 100); do jack_lsp > /dev/null 2>&1 && break; sleep 0.1; done
jack_lsp > /dev/null 2>&1 || { echo "test:midi: jackd did not start:" >&2; cat "$LOG" >&2; exit 1; }
npx vitest run --config tests/midi/vitest.config.ts "$@"
