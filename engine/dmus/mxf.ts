/**
 * Seed concept: IMXF, the MIDI transform filter interface every node of the DMus graph implements
 * (unpacker, sequencer, miniport stream, capture sink, packer, allocator).
 *
 * - setState: the KS states. Render streams keep data until RUN and throw queued data back to the
 *   allocator in STOP; capture streams discard what they captured in STOP and ACQUIRE.
 * - putMessage: hands over an event or a pNextEvt chain. Must not block; the receiver owns the
 *   whole chain and eventually gives every event to its output or back to the allocator.
 * - connectOutput / disconnectOutput: the downstream node. With no connection a filter's output is
 *   the allocator ("an IMXF with no connection sends its output to the allocator by default").
 */
import type { Allocator } from './allocator.js';
import type { KernelEvent } from './kernel-event.js';

/** KSSTATE values (ks.h): the order is the order a pin walks through them. */
export const KSSTATE = {
  STOP: 0,
  ACQUIRE: 1,
  PAUSE: 2,
  RUN: 3,
} as const;
export type KsState = (typeof KSSTATE)[keyof typeof KSSTATE];

export const KSSTATE_NAME: Record<KsState, string> = {
  0: 'STOP',
  1: 'ACQUIRE',
  2: 'PAUSE',
  3: 'RUN',
};

export interface IMXF {
  setState(state: KsState): void;
  putMessage(e: KernelEvent): void;
  connectOutput(sink: IMXF): void;
  disconnectOutput(sink: IMXF): void;
}

/** A wiring mistake (connecting twice, disconnecting a sink that is not connected). */
export class MxfConnectionError extends Error {
  override name = 'MxfConnectionError';
}

/**
 * Base of the filters: keeps the state and the output, defaulting the output to the allocator.
 * Subclasses implement putMessage and call `this.output.putMessage` or `this.allocator.putMessage`.
 */
export abstract class MxfFilter implements IMXF {
  protected output: IMXF;
  protected state: KsState = KSSTATE.STOP;
  protected readonly allocator: Allocator;

  constructor(allocator: Allocator) {
    this.allocator = allocator;
    this.output = allocator;
  }

  get ksState(): KsState {
    return this.state;
  }

  /** The node this filter sends its output to (the allocator when none is connected). */
  get outputNode(): IMXF {
    return this.output;
  }

  /** True when an output other than the allocator is connected. */
  get isConnected(): boolean {
    return this.output !== this.allocator;
  }

  setState(state: KsState): void {
    this.state = state;
  }

  abstract putMessage(e: KernelEvent): void;

  /**
   * Passes an event on, or back to the allocator while the node is stopped: a stopped pin
   * lets nothing through ("in STOP, throw queued data back to the allocator").
   */
  protected forward(e: KernelEvent): void {
    if (this.state === KSSTATE.STOP) this.allocator.putMessage(e);
    else this.output.putMessage(e);
  }

  connectOutput(sink: IMXF): void {
    if (sink === this) throw new MxfConnectionError(`${this.constructor.name}: cannot connect to itself`);
    if (this.output !== this.allocator) {
      throw new MxfConnectionError(`${this.constructor.name}: an output is already connected; disconnect it first`);
    }
    this.output = sink;
  }

  disconnectOutput(sink: IMXF): void {
    if (this.output !== sink || sink === this.allocator) {
      throw new MxfConnectionError(`${this.constructor.name}: that sink is not connected`);
    }
    this.output = this.allocator;
  }
}
