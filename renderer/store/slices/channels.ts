/** One channel of one group of a pin: instrument (program/bank), volume, pan, mute, solo, drum, priority. */
import type { PinInfo, Params } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export type ChannelFields = Omit<Params<'setChannel'>, 'pinId' | 'group' | 'channel'>;

export interface ChannelsSlice {
  /** group is 1-based, channel 0-based (as in the protocol); the UI shows channels 1..16. */
  setChannel(pinId: number, group: number, channel: number, fields: ChannelFields): Promise<PinInfo | undefined>;
}

export const createChannelsSlice: Slice<ChannelsSlice> = ({ link }) => (set, get) => ({
  async setChannel(pinId, group, channel, fields) {
    const pin = await act(get, set, `channels:${pinId}`, `change group ${group} channel ${channel + 1}`, () =>
      link.call('setChannel', { pinId, group, channel, ...fields }),
    );
    if (pin) get().applyPin(pin);
    return pin;
  },
});
