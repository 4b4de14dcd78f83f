/**
 * Turns engine exceptions into protocol errors a client can act on: DirectMusic failures keep their
 * DMUS_E_* name and HRESULT, KS failures their STATUS_* name, file errors say which file.
 */
import { DmusError, KsStatusError } from '../dmus/errors.js';
import { ProtocolError } from '../protocol/rpc.js';

export function mapEngineError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof DmusError) {
    const code = err.code.startsWith('E_') ? err.code : `DMUS_E_${err.code}`;
    return new ProtocolError(code, err.message, err.where ?? null, err.hresult);
  }
  if (err instanceof KsStatusError) return new ProtocolError(`STATUS_${err.code}`, err.message, null, err.status);
  if (err instanceof RangeError) return new ProtocolError('INVALID_PARAMS', err.message);
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const what = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code;
    return new ProtocolError('IO', `${what}: ${e.path ?? ''}`.trim(), e.path ?? null);
  }
  if (err instanceof Error) {
    // Typed errors of the subsystems (DLS chunk paths, SMF offsets) carry a DMUS-style code or a message.
    const withCode = err as Error & { code?: unknown; where?: unknown; hresult?: unknown };
    const code = typeof withCode.code === 'string' && /^(DMUS_E_|E_)[A-Z0-9_]+$/.test(withCode.code) ? withCode.code : 'INTERNAL';
    return new ProtocolError(
      code === 'INTERNAL' && err.name !== 'Error' ? 'INVALID_PARAMS' : code,
      err.message,
      typeof withCode.where === 'string' ? withCode.where : null,
      typeof withCode.hresult === 'number' ? withCode.hresult : null,
    );
  }
  return new ProtocolError('INTERNAL', String(err));
}
