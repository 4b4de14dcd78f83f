#!/usr/bin/env node
// Draws the app icon (assets/build/icon.png, 512×512): a keyboard under a sine wave on the
// workstation's dark panel. electron-builder makes the platform icons (.ico, .icns) from it.
// Run: node assets/build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const S = 512;
const px = new Uint8Array(S * S * 4);
const set = (x, y, [r, g, b, a = 255]) => {
  if (x < 0 || y < 0 || x >= S || y >= S) return;
  const i = (y * S + x) * 4;
  const k = a / 255;
  px[i] = Math.round(px[i] * (1 - k) + r * k);
  px[i + 1] = Math.round(px[i + 1] * (1 - k) + g * k);
  px[i + 2] = Math.round(px[i + 2] * (1 - k) + b * k);
  px[i + 3] = Math.max(px[i + 3], a);
};
const rect = (x0, y0, x1, y1, c) => {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) set(x, y, c);
};
// Rounded dark square.
const R = 96;
for (let y = 16; y < S - 16; y++) {
  for (let x = 16; x < S - 16; x++) {
    const cx = Math.min(Math.max(x, 16 + R), S - 16 - R);
    const cy = Math.min(Math.max(y, 16 + R), S - 16 - R);
    const d = Math.hypot(x - cx, y - cy);
    if (d <= R) set(x, y, [20, 22, 26, Math.round(255 * Math.min(1, R - d + 0.5))]);
  }
}
// Keyboard: 7 white keys, 5 black keys.
const kx0 = 72;
const kx1 = S - 72;
const ky0 = 272;
const ky1 = 440;
const w = (kx1 - kx0) / 7;
for (let k = 0; k < 7; k++) rect(Math.round(kx0 + k * w + 3), ky0, Math.round(kx0 + (k + 1) * w - 3), ky1, [236, 238, 242]);
for (const k of [1, 2, 4, 5, 6]) rect(Math.round(kx0 + k * w - w * 0.3), ky0, Math.round(kx0 + k * w + w * 0.3), ky0 + 100, [16, 18, 22]);
// A sine wave in the accent colour above the keys.
for (let x = 72; x < S - 72; x++) {
  const y = 170 + 62 * Math.sin(((x - 72) / (S - 144)) * Math.PI * 3);
  for (let dy = -7; dy <= 7; dy++) for (let dx = -1; dx <= 1; dx++) set(x + dx, Math.round(y + dy), [79, 195, 247, Math.round(255 * Math.max(0, 1 - Math.abs(dy) / 7.5))]);
}
// PNG: signature, IHDR, IDAT (filter 0 per row), IEND.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8;
ihdr[9] = 6;
const raw = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) Buffer.from(px.subarray(y * S * 4, (y + 1) * S * 4)).copy(raw, y * (S * 4 + 1) + 1);
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`icon.png: ${png.length} bytes`);
