/**
 * Where the tests find real files written by others: the shared corpus (../shared/corpus beside
 * the checkout, read in place, never copied into the project) and the project's own built-in bank.
 *
 * The corpus is not part of the repository, so a clone elsewhere (a CI runner, a developer's
 * laptop) may not have it: DMUS_CORPUS names it explicitly, otherwise the folder beside the
 * checkout, otherwise /work/shared/corpus. Tests that need it skip with a message when it is
 * absent; behaviour that must always be checked uses the built-in bank or generated fixtures.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** assets/dmus-gm.dls: the General MIDI bank the project generates and ships (129 instruments). */
export const BUILTIN_BANK = fileURLToPath(new URL('../../assets/dmus-gm.dls', import.meta.url));

/** DMUS_CORPUS, when set, is the only place looked at (set it to a missing path to test without). */
const candidates = process.env.DMUS_CORPUS ? [process.env.DMUS_CORPUS] : [fileURLToPath(new URL('../../../shared/corpus', import.meta.url)), '/work/shared/corpus'];

/** The corpus folder, or null when this machine has none. */
export const CORPUS_DIR: string | null = candidates.find((p) => existsSync(p)) ?? null;

/** A file of the corpus (e.g. 'banks/TimGM6mb.dls'); a path that does not exist when there is no corpus. */
export const corpusFile = (rel: string): string => `${CORPUS_DIR ?? '/nonexistent-corpus'}/${rel}`;
