/**
 * The typed error of a failed request (re-exported by rpc.ts). Its own module so that engine code
 * that only throws it (the session, an offline render) does not load the schemas and zod.
 *
 * Neutral file: imports nothing of node, electron or the DOM (checked by tools/check-boundaries).
 */
import type { ProtocolErrorShape } from './messages.js';

/** A failed request, as the client sees it; the engine throws it to answer with a typed error. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly code: string;
  readonly where: string | null;
  readonly hresult: number | null;
  constructor(code: string, message: string, where: string | null = null, hresult: number | null = null) {
    super(message);
    this.code = code;
    this.where = where;
    this.hresult = hresult;
  }
  toShape(): ProtocolErrorShape {
    return { code: this.code, message: this.message, where: this.where, hresult: this.hresult };
  }
}
