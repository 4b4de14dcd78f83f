#!/usr/bin/env bash
# The system tests that need more than Node: the browser end-to-end tests (Chromium), the real-time
# audio tests and the real MIDI tests (a JACK server with the dummy driver). Part of `npm test`.
# In CI (CI=true) a missing prerequisite is a failure; on a developer machine it is reported and
# that part is skipped, so `npm test` stays useful without the system packages (.ci/run installs
# them: chromium jackd2 libjack-jackd2-dev libasound2-plugins).
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
need() {
  if command -v "$1" > /dev/null 2>&1; then return 0; fi
  if [ "${CI:-}" = "true" ]; then echo "system tests: $1 is missing ($2)"; fail=1; return 1; fi
  echo "system tests: SKIPPED $3: $1 is not installed ($2)"
  return 1
}
run() {
  local name=$1; shift
  echo "== $name"
  local t0=$SECONDS
  if "$@"; then echo "== $name passed ($((SECONDS - t0)) s)"; else echo "== $name FAILED"; fail=1; fi
}
# Real-time priority keeps a busy CI machine from starving the audio (../shared/platform/README.md §2.4).
rt() { if chrt -f 20 true 2> /dev/null; then chrt -f 20 "$@"; else "$@"; fi; }

if need "${CHROMIUM_PATH:-chromium}" "apt-get install -y chromium" "the browser end-to-end tests"; then
  run "end-to-end (Playwright + Chromium against dmus serve)" npm run -s test:e2e
fi
if need jackd "apt-get install -y jackd2 libjack-jackd2-dev libasound2-plugins" "the real-time audio and MIDI tests"; then
  run "real-time audio (JACK dummy device)" rt npm run -s test:audio
  run "real MIDI (RtMidi over JACK)" npm run -s test:midi
fi
exit $fail
