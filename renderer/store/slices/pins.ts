/** Pins (the virtual synths): create, remove, rename, volume, mute, KS state, channel groups, voice limit. */
import type { PinInfo } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

type KsState = PinInfo['state'];

export interface PinsSlice {
  createPin(name?: string): Promise<PinInfo | undefined>;
  removePin(pinId: number): Promise<boolean>;
  renamePin(pinId: number, name: string): Promise<PinInfo | undefined>;
  setPinVolume(pinId: number, volume: number): Promise<PinInfo | undefined>;
  setPinMuted(pinId: number, muted: boolean): Promise<PinInfo | undefined>;
  setPinState(pinId: number, state: KsState): Promise<PinInfo | undefined>;
  setChannelGroups(pinId: number, groups: number): Promise<PinInfo | undefined>;
  setVoiceLimit(pinId: number, voices: number): Promise<PinInfo | undefined>;
}

export const createPinsSlice: Slice<PinsSlice> = ({ link }) => (set, get) => {
  /** A request answered with the pin's new state, which is applied as the engine sent it. */
  const pinCall = async (place: string, action: string, call: () => Promise<PinInfo>) => {
    const pin = await act(get, set, place, action, call);
    if (pin) get().applyPin(pin);
    return pin;
  };
  return {
    async createPin(name) {
      const pin = await pinCall('pins', 'create a synth', () => link.call('createPin', name ? { name } : {}));
      if (pin) get().selectPin(pin.id);
      return pin;
    },
    async removePin(pinId) {
      const done = await act(get, set, `pin:${pinId}`, 'remove the synth', () => link.call('removePin', { pinId }));
      if (!done) return false;
      const session = get().session;
      if (session) get().applyState({ ...session, pins: session.pins.filter((p) => p.id !== pinId) });
      return true;
    },
    renamePin: (pinId, name) => pinCall(`pin:${pinId}`, 'rename the synth', () => link.call('renamePin', { pinId, name })),
    setPinVolume: (pinId, volume) => pinCall(`pin:${pinId}`, 'change the volume', () => link.call('setPinVolume', { pinId, volume })),
    setPinMuted: (pinId, muted) => pinCall(`pin:${pinId}`, muted ? 'mute the synth' : 'unmute the synth', () => link.call('setPinMuted', { pinId, muted })),
    setPinState: (pinId, state) => pinCall(`pin:${pinId}`, `switch the synth to ${state}`, () => link.call('setPinState', { pinId, state })),
    setChannelGroups: (pinId, groups) =>
      pinCall(`pin:${pinId}`, `set ${groups} channel group${groups === 1 ? '' : 's'}`, () => link.call('setChannelGroups', { pinId, groups })),
    setVoiceLimit: (pinId, voices) => pinCall(`pin:${pinId}`, `limit the synth to ${voices} voices`, () => link.call('setVoiceLimit', { pinId, voices })),
  };
};
