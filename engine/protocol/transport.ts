/**
 * The transport contract (VS Code's IMessagePassingProtocol idea): the protocol's messages travel
 * over any of these, unchanged — an Electron MessagePort / parentPort, a loopback WebSocket, or an
 * in-memory pair in tests. A transport moves plain data; it does not validate (the RPC layer does).
 */
export interface Transport {
  send(message: unknown): void;
  /** Registers the one receiver of incoming messages. */
  onMessage(handler: (message: unknown) => void): void;
  /** Called once when the other side goes away or close() is called. */
  onClose(handler: (reason: string) => void): void;
  close(reason?: string): void;
}

/**
 * JSON carriers (the WebSocket) cannot hold bytes; Uint8Arrays travel as {"$b64": "..."}.
 * Structured-clone carriers (MessagePort) pass them as they are.
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(b: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}

const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) LOOKUP[B64.charCodeAt(i)] = i;

export function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let n = 0;
    let k = 0;
    for (; k < 4 && i + k < clean.length; k++) {
      const c = clean.charCodeAt(i + k);
      const v = c < 128 ? LOOKUP[c] : -1;
      if (v < 0) throw new Error(`invalid base64 character at ${i + k}`);
      n |= v << (18 - 6 * k);
    }
    out[o++] = (n >> 16) & 255;
    if (k > 2) out[o++] = (n >> 8) & 255;
    if (k > 3) out[o++] = n & 255;
  }
  return out.subarray(0, o);
}

/** Serialises a message for a text carrier. */
export function encodeJson(message: unknown): string {
  return JSON.stringify(message, (_k, v) => (v instanceof Uint8Array ? { $b64: bytesToBase64(v) } : v));
}

/** Parses a message from a text carrier. Throws SyntaxError on bad JSON. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $b64?: unknown }).$b64 === 'string' && Object.keys(v).length === 1) {
      return base64ToBytes((v as { $b64: string }).$b64);
    }
    return v;
  });
}
