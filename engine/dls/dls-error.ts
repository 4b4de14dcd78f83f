/**
 * Seed concept: DLS collections are input from outside (reference §6, design "every input is
 * validated where it enters"). DlsError is a DmusError that also names the RIFF chunk path and the
 * byte offset where a file (or a download buffer) went wrong, so a bad bank can be diagnosed.
 */
import { DmusError, type DmusErrorName, type HRESULT } from '../dmus/errors.js';

export class DlsError extends DmusError {
  override name = 'DlsError';
  /** e.g. `RIFF:DLS /LIST:lins/LIST:ins [3]/LIST:lrgn/LIST:rgn [0]/wlnk`. */
  readonly chunkPath: string;
  /** Byte offset of the offending chunk header (or field) from the start of the input. */
  readonly offset: number;
  constructor(code: DmusErrorName | keyof typeof HRESULT, message: string, chunkPath: string, offset: number) {
    super(code, message, `${chunkPath || '(root)'} @ offset ${offset}`);
    this.chunkPath = chunkPath;
    this.offset = offset;
  }
}
