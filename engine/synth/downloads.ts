/**
 * Seed concept: the DLS download set of one pin (KSPROPERTY_SYNTH_DLS_DOWNLOAD / _UNLOAD, reference
 * §4.2, §5.10): download handles, the instrument table by patch, wave reference counting.
 *
 * - A download is parsed completely before anything is committed: a bad buffer changes nothing.
 * - Waves are reference counted by the instruments that link to them and by the voices playing
 *   them. Unloading a wave still in use answers 'pending'; the wave is freed when the last user
 *   goes (collectPending, run on the control side after each render and on every property call).
 * - Unloading an instrument removes it from the patch table at once (later notes naming it are
 *   ignored); voices already playing it finish normally.
 * - Handles are per pin, as DirectMusic's are per port (an opaque pointer into that synth's own
 *   memory): a handle carries the tag of the set that issued it, so a handle of another pin is told
 *   apart from one of this pin and refused, never taken for one of this pin's downloads.
 * Control half.
 */
import { DmusError } from '../dmus/errors.js';
import type { SynthDownload } from '../dmus/miniport.js';
import { patchKeyOfUlPatch } from './channels.rt.js';
import { type ParsedDownload, parseDownload, readDownloadInfo } from './download-parser.js';
import type { Instrument, WaveSample } from './download-model.js';

/**
 * Download handles: `tag << HANDLE_SEQ_BITS | seq`, a positive 31-bit number (the protocol's ids
 * are 31-bit). The tag names the download set that issued the handle; seq counts that set's
 * downloads from 1 and is never reused. A set that runs out of seq takes a new tag.
 */
export const HANDLE_SEQ_BITS = 20;
const SEQ_LIMIT = 1 << HANDLE_SEQ_BITS;
const TAG_LIMIT = 1 << (31 - HANDLE_SEQ_BITS);

/**
 * Tags in use, each with the set that holds it. Only names are shared here, no download: a tag is
 * handed out again only after its set has been garbage collected (no pin can then be holding it).
 */
const tagOwners = new Map<number, WeakRef<DownloadSet>>();
let lastTag = 0;

function takeTag(owner: DownloadSet): number {
  for (let tries = 1; tries < TAG_LIMIT; tries++) {
    const tag = ((lastTag + tries - 1) % (TAG_LIMIT - 1)) + 1;
    const held = tagOwners.get(tag)?.deref();
    if (held === undefined) {
      tagOwners.set(tag, new WeakRef(owner));
      lastTag = tag;
      return tag;
    }
  }
  throw new DmusError('E_OUTOFMEMORY', `more than ${TAG_LIMIT - 1} download sets are alive: no download handle tag is free`);
}

/** The tag of a handle, or 0 when the value cannot be a download handle at all. */
export function handleTag(handle: number): number {
  if (!Number.isInteger(handle) || handle <= 0 || handle >= 2 ** 31 || handle % SEQ_LIMIT === 0) return 0;
  return Math.floor(handle / SEQ_LIMIT);
}

export class DownloadSet {
  /** Instruments by patchKey (channels.rt.ts); the render half reads this map at note-on. */
  readonly instrumentsByPatch = new Map<number, Instrument>();
  private readonly byHandle = new Map<number, WaveSample | Instrument>();
  private readonly wavesByDlId = new Map<number, WaveSample>();
  private readonly loadedIds = new Set<number>();
  private readonly pending = new Set<WaveSample>();
  /** Every tag this set has issued handles under (the last one is current). */
  private readonly tags: number[] = [];
  private nextSeq = SEQ_LIMIT;
  /** Bytes of Float32 sample data held. */
  sampleBytes = 0;

  download(buf: Uint8Array): SynthDownload {
    const info = readDownloadInfo(buf);
    if (this.loadedIds.has(info.dwDLId)) {
      throw new DmusError('ALREADY_DOWNLOADED', `download id ${info.dwDLId} is already loaded on this pin`, 'byte 4 (dwDLId)');
    }
    if (this.nextSeq >= SEQ_LIMIT) {
      this.tags.push(takeTag(this));
      this.nextSeq = 1;
    }
    const handle = this.tags[this.tags.length - 1] * SEQ_LIMIT + this.nextSeq;
    const parsed: ParsedDownload = parseDownload(buf, handle, { waveByDlId: (id) => this.wavesByDlId.get(id) });
    // Commit (nothing above touched the set).
    this.nextSeq++;
    this.loadedIds.add(info.dwDLId);
    if (parsed.kind === 'wave') {
      const w = parsed.wave;
      this.wavesByDlId.set(w.dlId, w);
      this.byHandle.set(handle, w);
      this.sampleBytes += w.data.byteLength;
    } else {
      const ins = parsed.instrument;
      for (const w of ins.waves) w.instrumentRefs++;
      this.byHandle.set(handle, ins);
      this.instrumentsByPatch.set(patchKeyOfUlPatch(ins.patch), ins);
    }
    // The synth keeps its own copy of everything: the caller may free its buffer now.
    return { downloadHandle: handle, free: true };
  }

  unload(handle: number): 'done' | 'pending' {
    const obj = this.byHandle.get(handle);
    if (obj === undefined) throw this.unknownHandle(handle);
    if ('regions' in obj) {
      if (!obj.unloaded) {
        obj.unloaded = true;
        this.loadedIds.delete(obj.dlId);
        const key = patchKeyOfUlPatch(obj.patch);
        if (this.instrumentsByPatch.get(key) === obj) {
          this.instrumentsByPatch.delete(key);
          // An older instrument with the same patch becomes current again.
          for (const other of this.byHandle.values()) {
            if ('regions' in other && !other.unloaded && other.patch === obj.patch) this.instrumentsByPatch.set(key, other);
          }
        }
        for (const w of obj.waves) w.instrumentRefs--;
      }
      this.byHandle.delete(handle);
      this.collectPending();
      return 'done';
    }
    const w = obj;
    if (!w.unloadPending) {
      w.unloadPending = true;
      this.loadedIds.delete(w.dlId);
      this.wavesByDlId.delete(w.dlId);
      this.pending.add(w);
    }
    this.collectPending();
    return w.freed ? 'done' : 'pending';
  }

  /**
   * Why `handle` names nothing on this pin (reference §5.10): a handle another pin issued was not
   * downloaded to this port (DMUS_E_NOT_DOWNLOADED_TO_PORT); NULL, a value no pin issued, or one of
   * this pin's handles already unloaded and freed is an unknown handle, which the synth's Unload
   * answers with E_FAIL. (A second IDirectMusicPortDownload::Unload of the same buffer succeeds;
   * that is the port's bookkeeping, engine/host/session.ts unloadRaw, not the synth's.)
   */
  private unknownHandle(handle: number): DmusError {
    const tag = handleTag(handle);
    if (tag === 0) return new DmusError('E_FAIL', `${handle} is not a download handle (Unload of NULL or of an unknown handle)`);
    if (this.tags.includes(tag)) {
      const issued = tag !== this.tags[this.tags.length - 1] || handle % SEQ_LIMIT < this.nextSeq;
      return new DmusError('E_FAIL', issued ? `download handle ${handle} was unloaded already: this pin no longer knows it` : `this pin never issued download handle ${handle}`);
    }
    const owner = tagOwners.get(tag)?.deref();
    if (owner !== undefined) return new DmusError('NOT_DOWNLOADED_TO_PORT', `download handle ${handle} belongs to another pin: it was not downloaded to this one`);
    return new DmusError('E_FAIL', `no pin issued download handle ${handle}`);
  }

  /** True while an unloaded wave is still held by instruments or voices. */
  isPending(handle: number): boolean {
    const o = this.byHandle.get(handle);
    return o !== undefined && !('regions' in o) && o.unloadPending && !o.freed;
  }

  /** Frees the unloaded waves nobody uses any more. Returns the handles freed. */
  collectPending(): number[] {
    const freed: number[] = [];
    for (const w of this.pending) {
      if (w.instrumentRefs <= 0 && w.voiceRefs <= 0) {
        w.freed = true;
        this.sampleBytes -= w.data.byteLength;
        w.data = new Int16Array(8);
        this.pending.delete(w);
        this.byHandle.delete(w.handle);
        freed.push(w.handle);
      }
    }
    return freed;
  }

  get downloadCount(): number {
    return this.byHandle.size;
  }
}
