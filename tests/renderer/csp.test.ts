// The page's Content-Security-Policy (renderer/index.html, kept by the Vite build): scripts and
// styles only from the app itself (no inline code, no eval, no other hosts), nothing by default,
// and network access limited to what the window needs: its own origin and the engine's loopback
// WebSocket in browser mode. The page itself holds no inline script or style the policy would block.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function policyOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta\s[^>]*http-equiv="Content-Security-Policy"[^>]*>/gi)];
  expect(metas, 'exactly one CSP meta tag').toHaveLength(1);
  const content = /content="([^"]*)"/i.exec(metas[0][0])?.[1];
  if (!content) throw new Error('the CSP meta tag has no content');
  const directives = new Map<string, string[]>();
  for (const part of content.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(directives.has(name), `${name} given twice`).toBe(false);
    directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

const pages: Array<[string, string]> = [['renderer/index.html', readFileSync(resolve(ROOT, 'renderer/index.html'), 'utf8')]];
const built = resolve(ROOT, 'dist/renderer/index.html');
if (existsSync(built)) pages.push(['dist/renderer/index.html (built)', readFileSync(built, 'utf8')]);

describe.each(pages)('Content-Security-Policy of %s', (_name, html) => {
  const csp = policyOf(html);

  it('allows nothing by default', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
  });

  it("runs only the app's own scripts: no inline code, no eval, no other origin", () => {
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const [name, sources] of csp) {
      expect(sources, name).not.toContain("'unsafe-inline'");
      expect(sources, name).not.toContain("'unsafe-eval'");
      expect(sources, name).not.toContain("'wasm-unsafe-eval'");
      expect(sources, name).not.toContain('*');
      if (name.startsWith('script')) expect(sources.some((s) => /^(data|blob|https?):/.test(s)), name).toBe(false);
    }
  });

  it('takes styles, fonts and images from the app only (images may be data: URLs)', () => {
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('font-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
  });

  it("connects only to its own origin and the engine's loopback WebSocket", () => {
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*']);
  });

  it('cannot be re-based, post forms, or embed plugins', () => {
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
  });

  it('holds no inline script, style or event handler the policy would refuse', () => {
    for (const tag of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) {
      expect(tag[0], 'a script must load from a file').toMatch(/\ssrc="/);
      expect(tag[1].trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle="/i);
    expect(html).not.toMatch(/\son[a-z]+="/i);
  });
});
