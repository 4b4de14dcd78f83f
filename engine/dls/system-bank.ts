/**
 * Seed concept: the default GM collection (reference §7.9). Purpose: find the banks the program
 * can open without a user bank: the project's own generated bank (assets/dmus-gm.dls) and, on
 * Windows, the system's gm.dls (%WINDIR%\System32\drivers\gm.dls) when it exists.
 */
import { existsSync } from 'node:fs';
import { win32 } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of Windows' gm.dls, or undefined (not Windows, no WINDIR, or the file is absent). */
export function systemGmDlsPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  if (platform !== 'win32') return undefined;
  const windir = env.WINDIR ?? env.windir ?? env.SystemRoot ?? env.SYSTEMROOT;
  if (!windir) return undefined;
  const path = win32.join(windir, 'System32', 'drivers', 'gm.dls');
  return exists(path) ? path : undefined;
}

/** The built-in bank: assets/dmus-gm.dls, found from engine/dls (sources) or dist/engine/dls (build). */
export function builtInBankPath(exists: (path: string) => boolean = existsSync, env: NodeJS.ProcessEnv = process.env): string | undefined {
  // An installed app ships the bank as a resource outside the asar; Electron's main passes its path.
  if (env.DMUS_BUILTIN_BANK && exists(env.DMUS_BUILTIN_BANK)) return env.DMUS_BUILTIN_BANK;
  for (const rel of ['../../assets/dmus-gm.dls', '../../../assets/dmus-gm.dls']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (exists(path)) return path;
  }
  return undefined;
}
