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
 * Control half.
 */
import { DmusError } from '../dmus/errors.js';
import type { SynthDownload } from '../dmus/miniport.js';
import { patchKeyOfUlPatch } from './channels.rt.js';
import { type ParsedDownload, parseDownload, readDownloadInfo } from './download-parser.js';
import type { Instrument, WaveSample } from './download-model.js';

export class DownloadSet {
  /** Instruments by patchKey (channels.rt.ts); the render half reads this map at note-on. */
  readonly instrumentsByPatch = new Map<number, Instrument>();
  private readonly byHandle = new Map<number, WaveSample | Instrument>();
  private readonly wavesByDlId = new Map<number, WaveSample>();
  private readonly loadedIds = new Set<number>();
  private readonly pending = new Set<WaveSample>();
  private nextHandle = 1;
  /** Bytes of Float32 sample data held. */
  sampleBytes = 0;

  download(buf: Uint8Array): SynthDownload {
    const info = readDownloadInfo(buf);
    if (this.loadedIds.has(info.dwDLId)) {
      throw new DmusError('ALREADY_DOWNLOADED', `download id ${info.dwDLId} is already loaded on this pin`, 'byte 4 (dwDLId)');
    }
    const handle = this.nextHandle;
    const parsed: ParsedDownload = parseDownload(buf, handle, { waveByDlId: (id) => this.wavesByDlId.get(id) });
    // Commit (nothing above touched the set).
    this.nextHandle++;
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
    if (obj === undefined) {
      throw new DmusError('INVALID_DOWNLOADID', `no download with handle ${handle} on this pin`);
    }
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
        w.data = new Float32Array(8);
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
