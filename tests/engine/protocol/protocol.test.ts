import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { methods, notifications } from '../../../engine/protocol/messages.js';
import { createClient, serveProtocol } from '../../../engine/protocol/rpc.js';
import { base64ToBytes, bytesToBase64, decodeJson, encodeJson } from '../../../engine/protocol/transport.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';

describe('protocol', () => {
  it('docs/protocol.md documents every request and notification', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    for (const m of [...Object.keys(methods), ...Object.keys(notifications)]) expect(doc, m).toContain(`\`${m}\``);
  });

  it('carries bytes over JSON as base64, exactly', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 1000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect([...base64ToBytes(bytesToBase64(b))]).toEqual([...b]);
      expect(Buffer.from(b).toString('base64')).toBe(bytesToBase64(b));
    }
    const msg = { t: 'req', id: 1, method: 'writeBuffer', params: { bytes: Uint8Array.of(1, 2, 3), pinId: 1, startTime: 0 } };
    expect(decodeJson(encodeJson(msg))).toEqual(msg);
  });

  it('refuses a client of another protocol version, and requests before the hello', async () => {
    const [a, b] = createMemoryPair();
    serveProtocol(a, { getState: () => ({}) as never }, { engineName: 'x' });
    const seen: unknown[] = [];
    b.onMessage((m) => seen.push(m));
    b.send({ t: 'req', id: 1, method: 'getState', params: {} });
    b.send({ t: 'hello', version: 99 });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([
      expect.objectContaining({ t: 'err', error: expect.objectContaining({ code: 'BAD_MESSAGE' }) }),
      expect.objectContaining({ t: 'err', error: expect.objectContaining({ code: 'VERSION' }) }),
    ]);
    const [c, d] = createMemoryPair();
    serveProtocol(c, {}, { engineName: 'x' });
    const client = createClient(d);
    await client.connected;
    await expect(client.call('getState', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('rejects oversized payloads by schema before any handler runs', async () => {
    const [a, b] = createMemoryPair();
    let called = false;
    serveProtocol(
      a,
      {
        writeBuffer: () => {
          called = true;
          return { records: 0, events: 0, error: null };
        },
      },
      { engineName: 'x' },
    );
    const client = createClient(b);
    await client.connected;
    await expect(client.call('writeBuffer', { pinId: 1, startTime: 0, bytes: new Uint8Array(2 * 1024 * 1024) })).rejects.toMatchObject({ code: 'INVALID_PARAMS', where: 'params.bytes' });
    expect(called).toBe(false);
  });
});
