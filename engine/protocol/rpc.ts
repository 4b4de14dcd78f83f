/**
 * The request/response layer over any Transport (VS Code's ProxyChannel / openDAW's Communicator
 * shape, about a hundred lines): a handshake carrying the protocol version (and the session token
 * on the WebSocket), requests answered by `res` or `err`, and notifications. The server validates
 * every incoming message against engine/protocol/messages.ts before any handler sees it.
 */
import type { z } from 'zod';
import {
  type MethodName,
  methods,
  type NotificationData,
  type NotificationName,
  notifications,
  PROTOCOL_VERSION,
  type Params,
  type Result,
  WireMessage,
} from './messages.js';
import { ProtocolError } from './protocol-error.js';
import type { Transport } from './transport.js';

export { ProtocolError };

export type Handlers = { [M in MethodName]: (params: z.infer<(typeof methods)[M]['params']>) => Promise<Result<M>> | Result<M> };

export interface ServerOptions {
  engineName: string;
  /** When set, the client's hello must carry it (the WebSocket's per-session token). */
  token?: string;
  /** Turns an engine exception into a protocol error (DmusError -> DMUS_E_* and so on). */
  mapError?: (err: unknown) => ProtocolError;
  /** Called for every message refused before it reached a handler (for logs and tests). */
  onRejected?: (error: ProtocolError) => void;
}

export interface ServerConnection {
  notify<N extends NotificationName>(event: N, data: NotificationData<N>): void;
  readonly ready: boolean;
  close(reason?: string): void;
}

function zodWhere(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `params.${issue.path.join('.') || '(root)'}` : 'params';
}

/** Serves the protocol on one transport (one client). */
export function serveProtocol(transport: Transport, handlers: Partial<Handlers>, options: ServerOptions): ServerConnection {
  let ready = false;
  const reject = (id: number, e: ProtocolError) => {
    options.onRejected?.(e);
    transport.send({ t: 'err', id, error: e.toShape() });
  };
  transport.onMessage(async (raw) => {
    const parsed = WireMessage.safeParse(raw);
    if (!parsed.success) {
      const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
      return reject(id, new ProtocolError('BAD_MESSAGE', `malformed message: ${parsed.error.issues[0]?.message ?? 'invalid'}`, zodWhere(parsed.error).replace(/^params/, 'message')));
    }
    const msg = parsed.data;
    if (!ready) {
      if (msg.t !== 'hello') return reject(-1, new ProtocolError('BAD_MESSAGE', 'the first message must be a hello'));
      if (msg.version !== PROTOCOL_VERSION) {
        reject(-1, new ProtocolError('VERSION', `protocol version ${msg.version} is not supported; this engine speaks ${PROTOCOL_VERSION}`));
        return transport.close('version mismatch');
      }
      if (options.token !== undefined && msg.token !== options.token) {
        reject(-1, new ProtocolError('UNAUTHORIZED', 'missing or wrong session token'));
        return transport.close('unauthorized');
      }
      ready = true;
      transport.send({ t: 'welcome', version: PROTOCOL_VERSION, engine: options.engineName });
      return;
    }
    if (msg.t !== 'req') return reject(-1, new ProtocolError('BAD_MESSAGE', `unexpected '${msg.t}' message from a client`));
    const spec = (methods as Record<string, { params: z.ZodType; result: z.ZodType }>)[msg.method];
    const handler = (handlers as Record<string, ((p: unknown) => unknown) | undefined>)[msg.method];
    if (!spec || !Object.hasOwn(methods, msg.method)) return reject(msg.id, new ProtocolError('UNKNOWN_METHOD', `unknown method '${msg.method}'`));
    if (!handler) return reject(msg.id, new ProtocolError('UNAVAILABLE', `'${msg.method}' is not available in this engine`));
    const params = spec.params.safeParse(msg.params ?? {});
    if (!params.success) {
      return reject(msg.id, new ProtocolError('INVALID_PARAMS', `${msg.method}: ${params.error.issues[0]?.message ?? 'invalid parameters'}`, zodWhere(params.error)));
    }
    try {
      const result = await handler(params.data);
      transport.send({ t: 'res', id: msg.id, result });
    } catch (err) {
      const e = err instanceof ProtocolError ? err : (options.mapError?.(err) ?? new ProtocolError('INTERNAL', err instanceof Error ? err.message : String(err)));
      transport.send({ t: 'err', id: msg.id, error: e.toShape() });
    }
  });
  return {
    notify(event, data) {
      if (ready) transport.send({ t: 'note', event, data });
    },
    get ready() {
      return ready;
    },
    close(reason) {
      transport.close(reason);
    },
  };
}

export interface ClientOptions {
  token?: string;
  clientName?: string;
  /** Validate results and notifications against the schemas (tests; costs a little time). */
  validate?: boolean;
}

export interface EngineClient {
  /** Resolves with the engine's name after the handshake. */
  readonly connected: Promise<string>;
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<N extends NotificationName>(event: N, listener: (data: NotificationData<N>) => void): () => void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}

export function createClient(transport: Transport, options: ClientOptions = {}): EngineClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: MethodName }>();
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const closeListeners: Array<(r: string) => void> = [];
  let resolveConnected!: (name: string) => void;
  let rejectConnected!: (e: Error) => void;
  const connected = new Promise<string>((res, rej) => {
    resolveConnected = res;
    rejectConnected = rej;
  });
  connected.catch(() => {});
  let closedReason: string | null = null;

  transport.onMessage((raw) => {
    const parsed = WireMessage.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.t === 'welcome') resolveConnected(msg.engine);
    else if (msg.t === 'res') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (options.validate) {
        const r = methods[p.method].result.safeParse(msg.result);
        if (!r.success) return p.reject(new ProtocolError('BAD_MESSAGE', `engine answered ${p.method} with an invalid result: ${r.error.issues[0]?.message}`, zodWhere(r.error).replace(/^params/, 'result')));
      }
      p.resolve(msg.result);
    } else if (msg.t === 'err') {
      const e = new ProtocolError(msg.error.code, msg.error.message, msg.error.where, msg.error.hresult);
      if (msg.id === -1) {
        rejectConnected(e);
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      p.reject(e);
    } else if (msg.t === 'note') {
      const set = listeners.get(msg.event);
      if (!set) return;
      if (options.validate) {
        const schema = (notifications as Record<string, z.ZodType>)[msg.event];
        if (!schema?.safeParse(msg.data).success) return;
      }
      for (const l of set) l(msg.data);
    }
  });
  transport.onClose((reason) => {
    closedReason = reason;
    rejectConnected(new ProtocolError('CLOSED', `connection closed: ${reason}`));
    for (const p of pending.values()) p.reject(new ProtocolError('CLOSED', `connection closed: ${reason}`));
    pending.clear();
    for (const l of closeListeners) l(reason);
  });
  transport.send({ t: 'hello', version: PROTOCOL_VERSION, token: options.token, client: options.clientName });

  return {
    connected,
    call(method, params) {
      if (closedReason !== null) return Promise.reject(new ProtocolError('CLOSED', `connection closed: ${closedReason}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
        transport.send({ t: 'req', id, method, params });
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (d: unknown) => void);
      return () => set.delete(listener as (d: unknown) => void);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
    close() {
      transport.close('client closed');
    },
  };
}
