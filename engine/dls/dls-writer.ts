/**
 * Seed concept: writing a DLS Level 1 / Level 2 collection (reference §6.1, §6.2).
 * Purpose: turn a DlsCollection back into RIFF 'DLS ' bytes. The pool table offsets are computed
 * from the packed wave lists, `colh` and `insh.cRegions` from the model, so a model built in code
 * (the GM bank, SF2 import) gets a consistent file. The wave data are copied once, into the output.
 */
import type { ArticulationList, DlsCollection, DlsInstrument, DlsRegion, DlsWave, UnknownChunk, WaveSample } from './collection.js';
import { writeDlsId } from './conditions.js';
import { POOL_CUE_NULL } from './constants.js';
import { infoNode } from './info.js';
import { ByteWriter, type RiffNode, riffChunk, riffForm, riffList, riffNodeSize, writeRiff } from './riff.js';

export function writeDls(col: DlsCollection): Uint8Array {
  return writeRiff(dlsNode(col));
}

/** The collection as a RIFF node tree (exposed for tests that want to corrupt one chunk). */
export function dlsNode(col: DlsCollection): RiffNode {
  const top: RiffNode[] = [];
  if (col.vers) top.push(riffChunk('vers', new ByteWriter(8).u32(0, col.vers.dwVersionMS).u32(4, col.vers.dwVersionLS).bytes));
  if (col.dlid) top.push(dlidNode(col.dlid));
  top.push(riffChunk('colh', new ByteWriter(4).u32(0, col.instruments.length).bytes));
  top.push(riffList('lins', col.instruments.map(instrumentNode)));

  const waves = col.waves.map(waveNode);
  const offsets: number[] = [];
  let at = 0;
  for (const w of waves) {
    offsets.push(at);
    at += riffNodeSize(w);
  }
  const ptbl = new ByteWriter(8 + 4 * col.ptbl.length).u32(0, 8).u32(4, col.ptbl.length);
  col.ptbl.forEach((w, i) => {
    if (w >= offsets.length) throw new RangeError(`pool cue ${i} names wave ${w}, but there are ${offsets.length}`);
    ptbl.u32(8 + 4 * i, w < 0 ? POOL_CUE_NULL : offsets[w]);
  });
  top.push(riffChunk('ptbl', ptbl.bytes));
  top.push(riffList('wvpl', waves));
  top.push(...infoNode(col.info), ...unknownNodes(col.unknown));
  return riffForm('DLS ', top);
}

function dlidNode(id: string): RiffNode {
  const b = new Uint8Array(16);
  writeDlsId(id, b, 0);
  return riffChunk('dlid', b);
}

function unknownNodes(list: UnknownChunk[]): RiffNode[] {
  return list.map((u) => {
    if (!u.id.startsWith('LIST:')) return riffChunk(u.id, u.data);
    const body = new Uint8Array(4 + u.data.length);
    for (let i = 0; i < 4; i++) body[i] = u.id.charCodeAt(5 + i);
    body.set(u.data, 4);
    return riffChunk('LIST', body);
  });
}

function instrumentNode(ins: DlsInstrument): RiffNode {
  const children: RiffNode[] = [];
  if (ins.dlid) children.push(dlidNode(ins.dlid));
  children.push(riffChunk('insh', new ByteWriter(12).u32(0, ins.regions.length).u32(4, ins.locale.ulBank).u32(8, ins.locale.ulInstrument).bytes));
  children.push(riffList('lrgn', ins.regions.map(regionNode)));
  children.push(...ins.articulations.map(articulationNode), ...infoNode(ins.info), ...unknownNodes(ins.unknown));
  return riffList('ins ', children);
}

function regionNode(r: DlsRegion): RiffNode {
  const children: RiffNode[] = [];
  if (r.cdl) children.push(riffChunk('cdl ', r.cdl));
  const h = r.rgnh;
  const rgnh = new ByteWriter(h.usLayer !== undefined ? 14 : 12)
    .u16(0, h.RangeKey.usLow)
    .u16(2, h.RangeKey.usHigh)
    .u16(4, h.RangeVelocity.usLow)
    .u16(6, h.RangeVelocity.usHigh)
    .u16(8, h.fusOptions)
    .u16(10, h.usKeyGroup);
  if (h.usLayer !== undefined) rgnh.u16(12, h.usLayer);
  children.push(riffChunk('rgnh', rgnh.bytes));
  if (r.wsmp) children.push(wsmpNode(r.wsmp));
  const l = r.wlnk;
  children.push(riffChunk('wlnk', new ByteWriter(12).u16(0, l.fusOptions).u16(2, l.usPhaseGroup).u32(4, l.ulChannel).u32(8, l.ulTableIndex).bytes));
  children.push(...r.articulations.map(articulationNode), ...unknownNodes(r.unknown));
  return riffList(r.listType, children);
}

export function wsmpBytes(ws: WaveSample): Uint8Array {
  const w = new ByteWriter(20 + 16 * ws.loops.length)
    .u32(0, 20)
    .u16(4, ws.usUnityNote)
    .i16(6, ws.sFineTune)
    .i32(8, ws.lAttenuation)
    .u32(12, ws.fulOptions)
    .u32(16, ws.loops.length);
  ws.loops.forEach((l, i) => {
    w.u32(20 + 16 * i, 16).u32(24 + 16 * i, l.ulType).u32(28 + 16 * i, l.ulStart).u32(32 + 16 * i, l.ulLength);
  });
  return w.bytes;
}

const wsmpNode = (ws: WaveSample): RiffNode => riffChunk('wsmp', wsmpBytes(ws));

/** CONNECTIONLIST + CONNECTION[]: the body of art1/art2, and of a DMUS download's connection chunk. */
export function connectionListBytes(connections: ArticulationList['articulators'][number]['connections']): Uint8Array {
  const w = new ByteWriter(8 + 12 * connections.length).u32(0, 8).u32(4, connections.length);
  connections.forEach((k, i) => {
    const at = 8 + 12 * i;
    w.u16(at, k.usSource).u16(at + 2, k.usControl).u16(at + 4, k.usDestination).u16(at + 6, k.usTransform).i32(at + 8, k.lScale);
  });
  return w.bytes;
}

function articulationNode(a: ArticulationList): RiffNode {
  const children: RiffNode[] = [];
  if (a.cdl) children.push(riffChunk('cdl ', a.cdl));
  for (const art of a.articulators) children.push(riffChunk(art.kind, connectionListBytes(art.connections)));
  return riffList(a.listType, children);
}

function waveNode(w: DlsWave): RiffNode {
  const children: RiffNode[] = [];
  if (w.dlid) children.push(dlidNode(w.dlid));
  const f = w.fmt;
  const extra = f.extra ?? new Uint8Array(0);
  const fmt = new ByteWriter(16 + extra.length)
    .u16(0, f.wFormatTag)
    .u16(2, f.nChannels)
    .u32(4, f.nSamplesPerSec)
    .u32(8, f.nAvgBytesPerSec)
    .u16(12, f.nBlockAlign)
    .u16(14, f.wBitsPerSample);
  fmt.bytes.set(extra, 16);
  children.push(riffChunk('fmt ', fmt.bytes));
  if (w.wsmp) children.push(wsmpNode(w.wsmp));
  children.push(riffChunk('data', w.data), ...infoNode(w.info), ...unknownNodes(w.unknown));
  return riffList('wave', children);
}
