// Shell IPC: the sender check (our window, top frame, our page), payload validation before any
// dialog opens, recent files (dedupe, cap, persistence, damaged file), and the menus.
import { describe, expect, it } from 'vitest';
import { CHANNELS, checkSender, MAX_RECENT, type MenuCommand, type MenuItem, menuTemplate, SenderRejected, Shell } from '../../electron/shell.js';
import { FakeWebContents, fakeElectron } from './fakes.js';

const PAGE = 'file:///app/dist/renderer/index.html';

function setup(stored: string | null = null) {
  const f = fakeElectron();
  const wc = new FakeWebContents();
  wc.mainFrame.url = PAGE;
  let saved = stored;
  const logs: string[] = [];
  const changes: unknown[] = [];
  const shell = new Shell({
    dialog: f.electron.dialog,
    recentStore: { read: () => saved, write: (t) => (saved = t) },
    isOurWindow: (id) => id === wc.id,
    isOurPage: (url) => url.split(/[?#]/)[0] === PAGE,
    onRecentChanged: (l) => changes.push(l),
    log: (l) => logs.push(l),
  });
  return { f, wc, shell, logs, changes, saved: () => saved };
}

describe('sender check', () => {
  const deps = { isOurWindow: (id: number) => id === 7, isOurPage: (u: string) => u === PAGE };
  const mainFrame = { url: PAGE };
  it('accepts the top frame of our window on our page', () => {
    expect(() => checkSender({ sender: { id: 7, mainFrame }, senderFrame: mainFrame }, deps)).not.toThrow();
  });
  it.each([
    ['another window', { sender: { id: 8, mainFrame }, senderFrame: mainFrame }, /not ours/],
    ['a sub-frame', { sender: { id: 7, mainFrame }, senderFrame: { url: PAGE } }, /sub-frame/],
    ['a foreign page', { sender: { id: 7, mainFrame: { url: 'https://evil.example/' } }, senderFrame: null }, /gone/],
    ['a navigated page', { sender: { id: 7 }, senderFrame: { url: 'https://evil.example/' } }, /not ours/],
  ])('refuses %s', (_name, event, message) => {
    expect(() => checkSender(event, deps)).toThrow(SenderRejected);
    expect(() => checkSender(event, deps)).toThrow(message);
  });
});

describe('shell handlers', () => {
  it('opens a bank through a dialog and remembers it', async () => {
    const { shell, wc, f, saved, changes } = setup();
    const path = await shell.handlers()[CHANNELS.openFile](wc.event(), { kind: 'bank' });
    expect(path).toBe('/music/banks/strings.dls');
    expect(f.dialogs[0].options).toMatchObject({ title: 'Open instrument bank', filters: [{ extensions: ['dls', 'sf2', 'sf3'] }] });
    expect(shell.recentFiles()).toEqual([{ kind: 'bank', path: '/music/banks/strings.dls' }]);
    expect(JSON.parse(saved() ?? '[]')).toHaveLength(1);
    expect(changes).toHaveLength(1);
  });

  it('returns null and remembers nothing when the dialog is cancelled', async () => {
    const { shell, wc, f } = setup();
    f.dialogAnswers.open = { canceled: true, filePaths: [] };
    expect(await shell.handlers()[CHANNELS.openFile](wc.event(), { kind: 'song' })).toBeNull();
    expect(shell.recentFiles()).toEqual([]);
  });

  it.each([[{ kind: 'exe' }], [{ kind: 'bank', path: '/etc/passwd' }], ['bank'], [null], [undefined]])('refuses the payload %j before any dialog', async (payload) => {
    const { shell, wc, f } = setup();
    await expect(shell.handlers()[CHANNELS.openFile](wc.event(), payload)).rejects.toThrow(/invalid payload/);
    expect(f.dialogs).toHaveLength(0);
  });

  it('refuses a message from a foreign page before any dialog', async () => {
    const { shell, wc, f, logs } = setup();
    await expect(shell.handlers()[CHANNELS.saveFile](wc.event('https://evil.example/'), { kind: 'wav-out' })).rejects.toThrow(SenderRejected);
    expect(f.dialogs).toHaveLength(0);
    expect(logs[0]).toMatch(/dmus:save-file: refused/);
  });

  it('saves through a dialog with the right filter; the recent list refuses arguments', async () => {
    const { shell, wc, f } = setup();
    expect(await shell.handlers()[CHANNELS.saveFile](wc.event(), { kind: 'midi-out' })).toBe('/music/out.mid');
    expect(f.dialogs[0].options).toMatchObject({ defaultPath: 'recording.mid', filters: [{ extensions: ['mid'] }] });
    await expect(shell.handlers()[CHANNELS.recentFiles](wc.event(), { all: true })).rejects.toThrow(/invalid payload/);
    expect(await shell.handlers()[CHANNELS.recentFiles](wc.event(), undefined)).toEqual([]);
  });

  it('keeps recent files newest first, without duplicates, at most ten', () => {
    const { shell } = setup();
    for (let i = 0; i < 12; i++) shell.addRecent({ kind: 'song', path: `/s/${i}.mid` });
    shell.addRecent({ kind: 'song', path: '/s/5.mid' });
    const list = shell.recentFiles();
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0].path).toBe('/s/5.mid');
    expect(list.filter((r) => r.path === '/s/5.mid')).toHaveLength(1);
  });

  it('reads saved recent files, and resets a damaged list', () => {
    expect(setup(JSON.stringify([{ kind: 'bank', path: '/a.dls' }])).shell.recentFiles()).toEqual([{ kind: 'bank', path: '/a.dls' }]);
    const damaged = setup('{not json');
    expect(damaged.shell.recentFiles()).toEqual([]);
    expect(damaged.logs[0]).toMatch(/damaged/);
    expect(setup(JSON.stringify([{ kind: 'virus', path: 1 }])).shell.recentFiles()).toEqual([]);
  });
});

describe('menus', () => {
  const find = (items: MenuItem[], label: string): MenuItem | undefined => {
    for (const i of items) {
      if (i.label === label) return i;
      const sub = i.submenu ? find(i.submenu, label) : undefined;
      if (sub) return sub;
    }
    return undefined;
  };
  const build = (recent = [{ kind: 'bank' as const, path: '/b/x.dls' }]) => {
    const sent: MenuCommand[] = [];
    let cleared = false;
    const t = menuTemplate({ appName: 'DMus', platform: 'linux', recent, send: (c) => sent.push(c), clearRecent: () => (cleared = true) });
    return { t, sent, cleared: () => cleared };
  };

  it('has what musicians expect, with shortcuts that leave letters and Space to the keyboard', () => {
    const { t, sent } = build();
    const expected: Array<[string, string | undefined, MenuCommand]> = [
      ['Open Bank…', 'CmdOrCtrl+O', { command: 'open-bank' }],
      ['Open MIDI File…', 'CmdOrCtrl+Shift+O', { command: 'open-song' }],
      ['Save Recording as MIDI…', 'CmdOrCtrl+S', { command: 'save-recording' }],
      ['Export WAV…', 'CmdOrCtrl+E', { command: 'export-wav' }],
      ['Play / Stop', 'CmdOrCtrl+Enter', { command: 'play-stop' }],
      ['Record', 'CmdOrCtrl+R', { command: 'record' }],
      ['Panic (All Notes Off)', 'CmdOrCtrl+.', { command: 'panic' }],
    ];
    for (const [label, accelerator, command] of expected) {
      const item = find(t, label);
      expect(item?.accelerator, label).toBe(accelerator);
      item?.click?.();
      expect(sent.at(-1)).toEqual(command);
    }
  });

  it('lists recent files, opens them and clears them', () => {
    const { t, sent, cleared } = build();
    find(t, 'x.dls — bank')?.click?.();
    expect(sent.at(-1)).toEqual({ command: 'open-recent', kind: 'bank', path: '/b/x.dls' });
    find(t, 'Clear Recent')?.click?.();
    expect(cleared()).toBe(true);
    expect(find(build([]).t, 'No recent files')?.enabled).toBe(false);
  });

  it('adds the app menu on macOS', () => {
    const t = menuTemplate({ appName: 'DMus', platform: 'darwin', recent: [], send: () => {}, clearRecent: () => {} });
    expect(t[0]).toMatchObject({ label: 'DMus', role: 'appMenu' });
  });
});
