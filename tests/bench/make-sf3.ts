/**
 * Makes an SF3 from an SF2 (tests/helpers/sf3-encode.ts: MuseScore's layout, Debian's oggenc), for
 * trying the SF3 import on a real bank: `dmus inspect out.sf3`, renders against the SF2, timing.
 *
 *   npm run -s build:engine
 *   node dist/tests/bench/make-sf3.js /usr/share/sounds/sf2/TimGM6mb.sf2 /tmp/TimGM6mb.sf3 [quality 0-10]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sf2ToSf3 } from '../helpers/sf3-encode.js';

const [input, output, quality = '4'] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node make-sf3.js <in.sf2> <out.sf3> [oggenc quality]');
  process.exit(2);
}
const sf2 = new Uint8Array(readFileSync(input));
const r = sf2ToSf3(sf2, Number(quality));
writeFileSync(output, r.bytes);
console.log(`${output}: ${r.samples} samples as Ogg Vorbis (quality ${quality}), ${r.bytes.length} bytes (SF2: ${sf2.length})`);
