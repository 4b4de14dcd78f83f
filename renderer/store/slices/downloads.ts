/**
 * Banks (DLS and SF2 collections) and downloads to pins. A bank opened in the browser is sent as
 * bytes (loadCollectionData); in Electron a dialog gives a path (loadCollection). "Download to group
 * g channel c" is two engine steps: download the instrument to the pin, then select its patch on
 * that channel. Remapping is unload + download with `as` (the protocol has no in-place remap).
 */
import type { CollectionInfo, InstrumentInfo, PinInfo } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export interface Patch {
  bank: number;
  program: number;
  drum: boolean;
}

export interface DownloadTarget {
  pinId: number;
  /** When given, the channel is switched to the downloaded patch. */
  group?: number;
  channel?: number;
  /** Answer to this patch on the pin instead of the instrument's own. */
  as?: Patch;
}

export interface DownloadsSlice {
  loadBankData(name: string, bytes: Uint8Array): Promise<CollectionInfo | undefined>;
  loadBankPath(path: string): Promise<CollectionInfo | undefined>;
  closeCollection(collectionId: number): Promise<boolean>;
  downloadInstrument(collectionId: number, instrument: InstrumentInfo, target: DownloadTarget): Promise<PinInfo | undefined>;
  downloadCollection(pinId: number, collectionId: number): Promise<PinInfo | undefined>;
  unload(pinId: number, downloadId: number): Promise<PinInfo | undefined>;
  remap(pinId: number, downloadId: number, as: Patch): Promise<PinInfo | undefined>;
}

export const createDownloadsSlice: Slice<DownloadsSlice> = ({ link }) => (set, get) => {
  const loaded = (c: CollectionInfo | undefined) => {
    if (c) get().applyCollection(c);
    get().setProgress(null);
    return c;
  };
  return {
    async loadBankData(name, bytes) {
      return loaded(await act(get, set, 'instruments', `open ${name}`, () => link.call('loadCollectionData', { name, bytes })));
    },
    async loadBankPath(path) {
      const name = path.split(/[\\/]/).pop() ?? path;
      return loaded(await act(get, set, 'instruments', `open ${name}`, () => link.call('loadCollection', { path })));
    },
    async closeCollection(collectionId) {
      const done = await act(get, set, 'instruments', 'close the bank', () => link.call('closeCollection', { collectionId }));
      if (!done) return false;
      const session = get().session;
      if (session) get().patchSession({ collections: session.collections.filter((c) => c.id !== collectionId) });
      return true;
    },
    async downloadInstrument(collectionId, instrument, target) {
      const { pinId, group, channel, as } = target;
      const patch = as ?? { bank: instrument.bank, program: instrument.program, drum: instrument.drum };
      const pin = await act(get, set, 'download', `download ${instrument.name}`, async () => {
        let p = await link.call('downloadInstrument', { pinId, collectionId, bank: instrument.bank, program: instrument.program, drum: instrument.drum, ...(as ? { as } : {}) });
        if (group !== undefined && channel !== undefined) {
          p = await link.call('setChannel', { pinId, group, channel, bank: patch.bank, program: patch.program, drum: patch.drum });
        }
        return p;
      });
      if (pin) get().applyPin(pin);
      return pin;
    },
    async downloadCollection(pinId, collectionId) {
      const pin = await act(get, set, 'download', 'download the whole bank', () => link.call('downloadCollection', { pinId, collectionId }));
      if (pin) get().applyPin(pin);
      return pin;
    },
    async unload(pinId, downloadId) {
      const pin = await act(get, set, 'download', 'unload the instrument', () => link.call('unload', { pinId, downloadId }));
      if (pin) get().applyPin(pin);
      return pin;
    },
    async remap(pinId, downloadId, as) {
      const pinInfo = get().session?.pins.find((p) => p.id === pinId);
      const d = pinInfo?.downloads.find((x) => x.downloadId === downloadId);
      if (!d?.source || d.collectionId === null) {
        get().setError('download', { text: "Couldn't remap: only instruments downloaded from an open bank can be remapped.", detail: null, code: null });
        return undefined;
      }
      const { source, collectionId } = d;
      const pin = await act(get, set, 'download', `remap ${source.name}`, async () => {
        await link.call('unload', { pinId, downloadId });
        return link.call('downloadInstrument', { pinId, collectionId, bank: source.bank, program: source.program, drum: source.drum, as });
      });
      if (pin) get().applyPin(pin);
      return pin;
    },
  };
};
