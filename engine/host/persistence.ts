/**
 * The saved session: what a musician set up (audio settings, pins, channel groups, channel settings,
 * which banks and instruments are downloaded where, thru routing), written atomically on every
 * change and read back on start. A crash or a kill loses nothing that was saved: the file is
 * written beside the old one, flushed, then renamed over it (rename is atomic on one filesystem;
 * saveJsonAtomic in atomic-file.ts).
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import { AudioSettings, ThruRoute } from '../protocol/messages.js';

const Patch = z.object({ bank: z.number().int().min(0).max(16383), program: z.number().int().min(0).max(127), drum: z.boolean() });

export const SavedChannel = z.object({
  program: z.number().int().min(0).max(127),
  bank: z.number().int().min(0).max(16383),
  volume: z.number().int().min(0).max(127),
  pan: z.number().int().min(0).max(127),
  mute: z.boolean(),
  solo: z.boolean(),
  drum: z.boolean(),
  priority: z.number().int().min(0).max(0xffffffff),
});
export type SavedChannel = z.infer<typeof SavedChannel>;

export const SavedDownload = z.object({
  /** The bank file the instrument came from. */
  collectionPath: z.string(),
  source: Patch,
  /** The patch it was downloaded as (remapping), when different. */
  as: Patch.nullable(),
});

export const SavedPin = z.object({
  name: z.string(),
  volume: z.number(),
  muted: z.boolean(),
  channelGroups: z.number().int().min(1).max(1000),
  voices: z.number().int().min(1).max(4096),
  channels: z.array(z.array(SavedChannel)),
  downloads: z.array(SavedDownload),
});
export type SavedPin = z.infer<typeof SavedPin>;

export const SavedSession = z.object({
  version: z.literal(1),
  audio: AudioSettings,
  collections: z.array(z.object({ path: z.string(), builtIn: z.boolean() })),
  pins: z.array(SavedPin),
  thru: z.array(ThruRoute.omit({ pinId: true }).extend({ pinIndex: z.number().int().min(0) })),
});
export type SavedSession = z.infer<typeof SavedSession>;

/**
 * Reads the saved session. A missing file gives null; a damaged one is moved aside (kept for the
 * user, named *.bad-<time>) and reported, and the engine starts on the defaults.
 */
export function loadSession(path: string): { session: SavedSession | null; problem: string | null } {
  if (!existsSync(path)) return { session: null, problem: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { session: null, problem: quarantine(path, `the saved session is not valid JSON (${(err as Error).message})`) };
  }
  const parsed = SavedSession.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { session: null, problem: quarantine(path, `the saved session is damaged at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`) };
  }
  return { session: parsed.data, problem: null };
}

function quarantine(path: string, problem: string): string {
  const aside = `${path}.bad-${Date.now()}`;
  try {
    renameSync(path, aside);
    return `${problem}; it was kept as ${aside} and the defaults were used`;
  } catch {
    return `${problem}; the defaults were used`;
  }
}
