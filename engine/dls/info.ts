/**
 * Seed concept: the RIFF `LIST 'INFO'` chunk (INAM, ICOP, ...) used by DLS collections, instruments
 * and waves (reference §6.1). Purpose: read and write its ZSTR sub-chunks.
 */
import type { InfoEntry } from './collection.js';
import { type RiffChunk, type RiffNode, riffChunk, riffList } from './riff.js';

/** ZSTR: text up to the first NUL, one byte per character (ISO-8859-1). */
export function readZstr(data: Uint8Array): string {
  let end = data.indexOf(0);
  if (end < 0) end = data.length;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(data[i]);
  return s;
}

export function zstr(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c < 256 ? c : 0x3f;
  }
  return out;
}

export function readInfo(list: RiffChunk): InfoEntry[] {
  const entries: InfoEntry[] = [];
  for (const c of list.children ?? []) if (c.listType === undefined) entries.push({ id: c.id, text: readZstr(c.data) });
  return entries;
}

export function infoNode(entries: InfoEntry[]): RiffNode[] {
  return entries.length === 0 ? [] : [riffList('INFO', entries.map((e) => riffChunk(e.id, zstr(e.text))))];
}
