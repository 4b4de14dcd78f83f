/**
 * Seed concept: DMUS_KERNEL_EVENT (dmusicks.h), the packaged MIDI event every IMXF passes on.
 *
 * The kernel structure is 40 bytes on x64:
 *
 *   off  type            field              here
 *   0    BYTE            bReserved          bReserved[e]          (always written 0)
 *   1    BYTE            cbStruct           cbStruct[e]           (set by the allocator: 40)
 *   2    USHORT          cbEvent            cbEvent[e]            real byte count, not rounded
 *   4    USHORT          usChannelGroup     usChannelGroup[e]     1-based; 0 = every group
 *   6    USHORT          usFlags            usFlags[e]            DMUS_KEF_* below
 *   8    REFERENCE_TIME  ullPresTime100ns   ullPresTime100ns[e]   master-clock time, 100 ns units
 *   16   ULONGLONG       ullBytePosition    ullBytePosition[e]    KBYTE_POSITION_NONE if unknown
 *   24   PDMUS_K_EVENT   pNextEvt           pNextEvt[e]           next in chain, NULL_EVENT ends it
 *   32   union uData     abData[8]          abData[e*8 ..]        inline bytes when cbEvent <= 8
 *                        pbData             pbData[e]             allocator buffer index otherwise
 *                        pPackageEvt        pPackageEvt[e]        inner chain when PACKAGE is set
 *
 * Here an event is a handle: an index into struct-of-arrays typed arrays owned by the Allocator
 * (style principle 7). Nothing is allocated per event. The union is kept as three arrays, of which
 * exactly one is meaningful, chosen by the same three-way rule as the kernel (reference §1.3).
 */

/** A DMUS_KERNEL_EVENT handle (an index into the allocator's arrays). */
export type KernelEvent = number;
/** The NULL pointer of pNextEvt / pPackageEvt. */
export const NULL_EVENT: KernelEvent = -1;
/** No pbData buffer attached. */
export const NO_BUFFER = -1;

/** usFlags bits, WDK dmusicks.h values (reference §1.2, §9.1 item 1). */
export const DMUS_KEF = {
  EVENT_COMPLETE: 0x0000,
  EVENT_INCOMPLETE: 0x0001,
  PACKAGE_EVENT: 0x0002,
} as const;

/** sizeof(PBYTE) on x64: events with cbEvent <= this keep their bytes inline in abData. */
export const INLINE_DATA_BYTES = 8;
/** sizeof(DMUS_KERNEL_EVENT) on x64, the value the allocator writes into cbStruct. */
export const KERNEL_EVENT_CBSTRUCT = 40;
/**
 * kBytePositionNone is ~0ULL. A float64 cannot hold 2^64 - 1, so its image here is 2^64, which no
 * real byte position reaches; compare with ===.
 */
export const KBYTE_POSITION_NONE = 2 ** 64;
/** DONT_HOLD_FOR_SEQUENCING (0x8000000000000000): a SchedulePreFetch meaning "send at once". */
export const DONT_HOLD_FOR_SEQUENCING = Number.POSITIVE_INFINITY;

/** The struct-of-arrays storage of a pool of kernel events. Grown only by the Allocator. */
export interface KernelEventFields {
  readonly capacity: number;
  readonly bReserved: Uint8Array;
  readonly cbStruct: Uint8Array;
  readonly cbEvent: Uint16Array;
  readonly usChannelGroup: Uint16Array;
  readonly usFlags: Uint16Array;
  readonly ullPresTime100ns: Float64Array;
  readonly ullBytePosition: Float64Array;
  readonly pNextEvt: Int32Array;
  readonly abData: Uint8Array;
  readonly pbData: Int32Array;
  readonly pPackageEvt: Int32Array;
}

/** SHORT_EVT: the bytes sit inline in abData. */
export function isShortEvent(f: KernelEventFields, e: KernelEvent): boolean {
  return f.cbEvent[e] <= INLINE_DATA_BYTES;
}
/** PACKAGE_EVT. */
export function isPackageEvent(f: KernelEventFields, e: KernelEvent): boolean {
  return (f.usFlags[e] & DMUS_KEF.PACKAGE_EVENT) !== 0;
}
/** INCOMPLETE_EVT. */
export function isIncompleteEvent(f: KernelEventFields, e: KernelEvent): boolean {
  return (f.usFlags[e] & DMUS_KEF.EVENT_INCOMPLETE) !== 0;
}
/** COMPLETE_EVT written as intended: the official macro's `&` against `==` precedence bug is not copied. */
export function isCompleteEvent(f: KernelEventFields, e: KernelEvent): boolean {
  return (f.usFlags[e] & DMUS_KEF.EVENT_INCOMPLETE) === 0;
}
