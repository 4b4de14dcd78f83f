/**
 * Live output without a device: the session plays on the null sink (its clock runs), reports why,
 * and tries the device again until it is back.
 */
import { describe, expect, it } from 'vitest';
import type { OutputChoice } from '../../../engine/sink/audio-output.js';
import { RenderEngine, type OutputStatus, type RenderEngineApi } from '../../../engine/host/render-engine.js';
import { Session } from '../../../engine/host/session.js';

/** The real render engine, with a pretend device that appears after `appearsAfter` listings. */
function withFlakyDevice(inner: RenderEngine, appearsAfter: number) {
  let listings = 0;
  let onDevice = false;
  const choices: OutputChoice['kind'][] = [];
  // The real engine underneath (pins, downloads, clock); only the output side is pretended.
  const api = Object.create(inner) as RenderEngineApi & { listDevices: RenderEngine['listDevices']; startOutput: RenderEngine['startOutput'] };
  api.listDevices = async () => {
    listings++;
    const usb = { id: 0, name: 'USB audio', hostApi: 'ALSA', outputChannels: 2, inputChannels: 0, defaultSampleRate: 48000, defaultLowOutputLatency: 0, defaultHighOutputLatency: 0, isDefaultOutput: true };
    return { hostApis: [], outputs: listings > appearsAfter ? [usb] : [] };
  };
  api.startOutput = async (choice: OutputChoice) => {
    choices.push(choice.kind);
    onDevice = choice.kind === 'portaudio' && listings > appearsAfter;
  };
  Object.defineProperty(api, 'outputStatus', {
    get: (): OutputStatus =>
      onDevice ? { kind: 'portaudio', reason: null, underruns: 0, lastUnderrunAtMs: 0, lastUnderrunLateMs: 0, lastOnsetAtMs: 0, latencyFrames: 0, renderThread: { realtime: false, priority: 0, detail: 'test' } } : { kind: 'null', reason: 'no audio output device', underruns: 0, lastUnderrunAtMs: 0, lastUnderrunLateMs: 0, lastOnsetAtMs: 0, latencyFrames: 0, renderThread: { realtime: false, priority: 0, detail: 'test' } },
  });
  return { api, choices, listings: () => listings };
}

describe('audio output fallback', () => {
  it('plays on the null sink, then goes back to the device when it appears', async () => {
    let flaky: ReturnType<typeof withFlakyDevice> | undefined;
    const session = new Session({
      dir: null,
      output: 'live',
      defaults: false,
      outputRetryMs: 30,
      renderThread: (o) => {
        flaky = withFlakyDevice(new RenderEngine(o), 2);
        return flaky.api;
      },
    });
    const messages: string[] = [];
    session.onError((e) => messages.push(e.message));
    await session.start();
    expect(session.audioStatus().output).toBe('null');
    await new Promise((r) => setTimeout(r, 200));
    expect(flaky!.listings()).toBeGreaterThanOrEqual(3);
    expect(session.audioStatus().output).toBe('portaudio');
    expect(flaky!.choices.filter((c) => c === 'portaudio').length).toBeGreaterThanOrEqual(2);
    expect(messages).toContain('audio output is back on the device');
    await session.close();
  });
});
