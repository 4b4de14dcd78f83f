/** MIDI inputs and the thru map (input channel → pin, group, channel). */
import type { ThruRoute } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export interface MidiSlice {
  listMidiInputs(): Promise<void>;
  openMidiInput(name: string): Promise<void>;
  closeMidiInput(name: string): Promise<void>;
  setThruRoute(route: ThruRoute): Promise<void>;
  clearThruRoute(input: string, inputChannel: number): Promise<void>;
}

export const createMidiSlice: Slice<MidiSlice> = ({ link }) => (set, get) => ({
  async listMidiInputs() {
    const midi = await act(get, set, 'midi', 'list the MIDI inputs', () => link.call('listMidiInputs', {}));
    if (midi) get().patchSession({ midi });
  },
  async openMidiInput(name) {
    const midi = await act(get, set, 'midi', `open ${name}`, () => link.call('openMidiInput', { name }));
    if (midi) get().patchSession({ midi });
  },
  async closeMidiInput(name) {
    const midi = await act(get, set, 'midi', `close ${name}`, () => link.call('closeMidiInput', { name }));
    if (midi) get().patchSession({ midi });
  },
  async setThruRoute(route) {
    const r = await act(get, set, 'thru', 'route the input', () => link.call('setThruRoute', route));
    if (r) get().patchSession({ thru: r.thru });
  },
  async clearThruRoute(input, inputChannel) {
    const r = await act(get, set, 'thru', 'remove the route', () => link.call('clearThruRoute', { input, inputChannel }));
    if (r) get().patchSession({ thru: r.thru });
  },
});
