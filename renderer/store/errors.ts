/**
 * Engine errors in words a musician understands. The engine answers with a code (its own or a
 * DirectMusic DMUS_E_* name), a technical message and where the problem is; the UI shows a
 * sentence about what the musician tried, and keeps the technical text as a detail line.
 */

export interface FriendlyError {
  /** One sentence: what failed and what to do. */
  text: string;
  /** The engine's own words, for a bug report. */
  detail: string | null;
  code: string | null;
}

/** Sentences for the DirectMusic codes a musician can actually meet. */
const DMUS_WORDS: Record<string, string> = {
  DMUS_E_NOTADLSCOL: 'the file is not a DLS or SoundFont bank',
  DMUS_E_INVALIDFILE: 'the file is damaged or not in a format this synth reads',
  DMUS_E_BADINSTRUMENT: 'the instrument in the bank is damaged',
  DMUS_E_BADWAVE: 'a sample in the bank is damaged',
  DMUS_E_BADARTICULATION: 'an instrument envelope in the bank is damaged',
  DMUS_E_BADOFFSETTABLE: 'the bank data is damaged',
  DMUS_E_NOTMONO: 'a sample in the bank is not mono',
  DMUS_E_BADWAVELINK: 'an instrument points at a sample that is not in the bank',
  DMUS_E_NOARTICULATION: 'an instrument has no envelope',
  DMUS_E_NOTPCM: 'a sample in the bank is compressed, which this synth does not play',
  DMUS_E_ALREADY_DOWNLOADED: 'that instrument is already on this synth',
  DMUS_E_NOT_DOWNLOADED_TO_PORT: 'that instrument is not on this synth',
  DMUS_E_SYNTHNOTCONFIGURED: 'the synth is not set up yet (start it first)',
  DMUS_E_SYNTHACTIVE: 'the synth is playing; stop it before changing this',
  DMUS_E_SYNTHINACTIVE: 'the synth is stopped; start it first',
  DMUS_E_INSUFFICIENTBUFFER: 'the data is too large for the synth',
  DMUS_E_BUFFER_FULL: 'too many notes at once; some were dropped',
  DMUS_E_BUFFER_EMPTY: 'there was nothing to play',
  DMUS_E_CHANNEL_GROUP: 'that channel group does not exist on this synth',
  DMUS_E_OUT_OF_MEMORY: 'the synth ran out of memory for samples',
  DMUS_E_DRIVER_FAILED: 'the audio device stopped working',
  DMUS_E_NOSYNTHSINK: 'no audio output is connected',
  DMUS_E_UNKNOWNDOWNLOAD: 'that download is no longer on this synth',
};

function codeAndMessage(err: unknown): { code: string | null; message: string; where: string | null } {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; where?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : null,
      message: typeof e.message === 'string' ? e.message : String(err),
      where: typeof e.where === 'string' ? e.where : null,
    };
  }
  return { code: null, message: String(err), where: null };
}

/**
 * @param action what the musician tried, as a verb phrase ("load the bank", "create a synth").
 */
export function friendlyError(err: unknown, action: string): FriendlyError {
  const { code, message, where } = codeAndMessage(err);
  const detail = where ? `${message} (at ${where})` : message;
  const said = (why: string) => ({ text: `Couldn't ${action}: ${why}.`, detail, code });
  if (code && DMUS_WORDS[code]) return said(DMUS_WORDS[code]);
  switch (code) {
    case 'CLOSED':
      return said('the audio engine is not connected right now (it may be restarting)');
    case 'INVALID_PARAMS':
      return said('that value is outside what the synth accepts');
    case 'NOT_FOUND':
      return said('it is no longer there (another window may have removed it)');
    case 'UNAVAILABLE':
      return said(`this engine cannot do that here (${message})`);
    case 'IO':
      return said(`the file could not be read or written (${message})`);
    case 'BUSY':
      return said('the engine is busy with another task; try again in a moment');
    case 'UNAUTHORIZED':
      return said('the engine refused this window; reopen the address `dmus serve` printed');
    case 'VERSION':
      return said('this window and the engine are different versions; reload the page');
    default:
      return { text: `Couldn't ${action}: ${message}.`, detail: code ? `${code}: ${detail}` : null, code };
  }
}
