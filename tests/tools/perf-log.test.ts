/** The benchmarks' --write: each replaces its own section of docs/performance.md and nothing else. */
import { describe, expect, it } from 'vitest';
import { replaceSection } from '../bench/perf-log.js';

const doc = ['# Performance log', '', 'intro', '', '## Effects', '', 'old effects', '', '## Synth voices', '', 'text', '', '### Sustained voices', '', 'history', '', '## Live', '', 'live', ''].join('\n');

describe('replaceSection', () => {
  it('replaces a section up to the next heading of its level or higher, keeping the rest byte for byte', () => {
    const out = replaceSection(doc, '## Effects', '## Effects\n\nnew effects\n');
    expect(out).toBe(doc.replace('old effects', 'new effects'));
  });

  it('a level-3 section ends at the next level-2 heading', () => {
    const out = replaceSection(doc, '### Sustained voices', '### Sustained voices\n\nnew history\n');
    expect(out).toBe(doc.replace('history', 'new history'));
  });

  it('inserts a missing section before the named heading, else appends it; a second write replaces the first', () => {
    const once = replaceSection(doc, '### Latest run', '### Latest run\n\nrun 1\n', '### Sustained voices');
    expect(once).toBe(doc.replace('### Sustained voices', '### Latest run\n\nrun 1\n\n### Sustained voices'));
    const twice = replaceSection(once, '### Latest run', '### Latest run\n\nrun 2\n', '### Sustained voices');
    expect(twice).toBe(once.replace('run 1', 'run 2'));
    const appended = replaceSection(doc, '## New', '## New\n\nbody\n', '## Nowhere');
    expect(appended).toBe(`${doc}\n## New\n\nbody\n`);
  });
});
