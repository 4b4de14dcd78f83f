#!/usr/bin/env bash
# Builds a JACK-MIDI variant of @julusian/midi into .cache/midi-jack (RtMidi compiled with
# __UNIX_JACK__ instead of __LINUX_ALSA__). The npm prebuild is ALSA-only and cannot open any port
# on machines without /dev/snd/seq (platform README §3). Kept out of node_modules on purpose: a
# build/Release inside node_modules/@julusian/midi would shadow the ALSA prebuild and be packaged.
# Needs: apt-get install -y --no-install-recommends jackd2 libjack-jackd2-dev ; g++, make, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=.cache/midi-jack
SRC=node_modules/@julusian/midi
[ -d "$SRC" ] || { echo "build-midi-jack: $SRC missing (run npm ci first)" >&2; exit 1; }
[ -f /usr/include/jack/jack.h ] || { echo "build-midi-jack: JACK headers missing: apt-get install -y --no-install-recommends jackd2 libjack-jackd2-dev" >&2; exit 1; }
rm -rf "$DEST"; mkdir -p "$DEST"
cp -r "$SRC/." "$DEST/"
rm -rf "$DEST/build" "$DEST/prebuilds"          # no fallback to the ALSA prebuild
sed -i -e "s/'__LINUX_ALSA__'/'__UNIX_JACK__'/" -e "s/'-lasound',/'-ljack',/" "$DEST/binding.gyp"
grep -q __UNIX_JACK__ "$DEST/binding.gyp" || { echo "build-midi-jack: binding.gyp layout changed, patch failed" >&2; exit 1; }
ln -s ../../node_modules "$DEST/node_modules"    # node-addon-api, pkg-prebuilds, tslib
# node-gyp through npm so the machine's npm config (nodedir=/usr: local headers) applies; plain
# `node-gyp` would try to download the headers from nodejs.org, which is unreachable here.
(cd "$DEST" && npm exec --offline -- node-gyp rebuild > build.log 2>&1) || { tail -30 "$DEST/build.log" >&2; exit 1; }
# Read ldd's whole output first: `ldd | grep -q` under pipefail fails when grep exits at the first
# match and ldd dies of SIGPIPE writing the rest.
LINKED=$(ldd "$DEST/build/Release/midi.node")
grep -q libjack <<< "$LINKED" || { echo "build-midi-jack: midi.node does not link libjack" >&2; exit 1; }
echo "built $DEST (RtMidi with JACK MIDI)"
