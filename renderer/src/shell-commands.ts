/**
 * Electron's menus (open bank, open MIDI file, play/stop, record, export WAV, panic, recent files)
 * turned into store actions. Main only shows dialogs and sends commands; everything the engine does
 * goes through the store, so a menu and a button behave the same.
 */
import { useEffect } from 'react';
import { useApp } from '../store/index.js';
import type { AppStore } from '../store/types.js';
import type { DmusBridge, MenuCommand } from './bridge.js';

export async function runMenuCommand(cmd: MenuCommand, bridge: DmusBridge, get: () => AppStore): Promise<void> {
  const s = get();
  switch (cmd.command) {
    case 'open-bank': {
      const path = await bridge.openFile('bank');
      if (path) await s.loadBankPath(path);
      s.showPanel('instruments');
      return;
    }
    case 'open-song': {
      const path = await bridge.openFile('song');
      if (path) await s.openSongPath(path);
      s.showPanel('midi');
      return;
    }
    case 'open-recent':
      if (cmd.kind === 'bank') {
        await s.loadBankPath(cmd.path);
        s.showPanel('instruments');
      } else {
        await s.openSongPath(cmd.path);
        s.showPanel('midi');
      }
      return;
    case 'play-stop':
      if (s.session?.transport.playing) await s.stop();
      else await s.play(s.selectedPinId ?? undefined);
      return;
    case 'record':
      if (s.session?.transport.recording) await s.stopRecording();
      else await s.startRecording();
      return;
    case 'save-recording': {
      const path = await bridge.saveFile('midi-out');
      if (path) await s.saveRecording(path);
      return;
    }
    case 'export-wav': {
      const path = await bridge.saveFile('wav-out');
      if (!path) return;
      // The whole song when one is open, else half a minute of whatever is playing.
      const duration = s.session?.transport.song?.duration;
      const seconds = duration ? Math.min(3600, Math.ceil(duration / 1e7) + 2) : 30;
      await s.renderToWav(path, seconds);
      return;
    }
    case 'panic':
      await s.panic();
      return;
  }
}

export function useMenuCommands(bridge: DmusBridge | null): void {
  const { store } = useApp();
  useEffect(() => {
    if (!bridge) return;
    return bridge.onMenu((cmd) => void runMenuCommand(cmd, bridge, store.getState));
  }, [bridge, store]);
}
