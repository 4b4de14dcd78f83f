// A second process playing the synth: finds the JACK/RtMidi port whose name contains argv[2]
// ("DMus Workstation") and sends a note-on, a controller, a SysEx and the note-off 100 ms later.
// Prints one JSON line per message with the send time (µs, CLOCK_MONOTONIC) and exits.
const midi = require(process.env.MIDI_MODULE || '@julusian/midi');
const want = process.argv[2] || 'DMus Workstation';
const out = new midi.Output();
const names = Array.from({ length: out.getPortCount() }, (_, i) => out.getPortName(i));
const idx = names.findIndex((s) => s.includes(want));
if (idx < 0) {
  console.log(JSON.stringify({ error: `no port containing "${want}"`, names }));
  out.destroy();
  process.exit(1);
}
out.openPort(idx);
const send = (msg) => {
  console.log(JSON.stringify({ sent: msg, at_us: Number(process.hrtime.bigint() / 1000n) }));
  out.sendMessage(msg);
};
send([0x90, 60, 100]);
send([0xb0, 7, 99]);
send([0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]);
setTimeout(() => {
  send([0x80, 60, 0]);
  setTimeout(() => {
    out.closePort();
    out.destroy();
    process.exit(0);
  }, 50);
}, 100);
