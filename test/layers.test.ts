// The layer test (docs/DESIGN.md "Layers"): parses every import of src/ — static `import … from`,
// side-effect `import '…'`, `export … from` and dynamic `import('…')`, type-only ones included —
// and fails on any import against the layer order, on any file in a folder without a layer, and
// on any import cycle between folders or between files. There is no allow-list: every failure
// message lists every violation (file → import, layers), so one run shows all that is left.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importSpecifiers, stripComments } from './support/imports.js';

/** Lowest first; nothing may import a folder of a higher layer. */
export const LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  runtime: 1,
  optim: 2,
  qp: 2,
  nn: 3,
  tasks: 3,
  data: 3,
  analysis: 3,
  l2o: 4,
  dco: 4,
  bilevel: 4,
  restart: 4,
  tfjs: 4,
  report: 5,
  labs: 6,
  cli: 7,
};
/** The package entry: it may import anything, and nothing inside src/ may import it. */
const ENTRY = 'index.ts';

export { importSpecifiers, stripComments };

const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const srcDir = join(root, 'src');

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Edge {
  from: string; // path relative to src/, '/'-separated
  to: string;
  spec: string;
}

const rel = (p: string) => relative(srcDir, p).split(sep).join('/');
const folderOf = (f: string) => (f.includes('/') ? f.slice(0, f.indexOf('/')) : f);

function collectEdges(): { files: string[]; edges: Edge[] } {
  const files = listTs(srcDir).map(rel);
  const known = new Set(files);
  const edges: Edge[] = [];
  for (const f of files) {
    for (const spec of importSpecifiers(readFileSync(join(srcDir, f), 'utf8'))) {
      if (!spec.startsWith('.')) continue; // packages and node: built-ins
      const target = rel(resolve(dirname(join(srcDir, f)), spec)).replace(/\.js$/, '.ts');
      const to = known.has(target) ? target : known.has(`${target}/index.ts`) ? `${target}/index.ts` : target;
      edges.push({ from: f, to, spec });
    }
  }
  return { files, edges };
}

/** Strongly connected components with more than one node (or a self-loop): the cycles. */
function cycles(nodes: string[], adj: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || adj.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const n of [...nodes].sort()) if (!idx.has(n)) visit(n);
  return out;
}

/** One concrete cycle through `start` inside its component (for a readable message). */
function cyclePath(start: string, comp: Set<string>, adj: Map<string, Set<string>>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(adj.get(v) ?? [])].sort()) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

function graph(edges: { a: string; b: string }[]): Map<string, Set<string>> {
  const adj = new Map<string, Set<string>>();
  for (const { a, b } of edges) {
    if (!adj.has(a)) adj.set(a, new Set());
    adj.get(a)!.add(b);
  }
  return adj;
}

const { files, edges } = collectEdges();

test('the import parser sees static, side-effect, export-from, type-only and dynamic imports, not comments', () => {
  const text = [
    "import { a } from './a.js';",
    'import type {',
    '  B,',
    '  C,',
    "} from '../b/c.js';",
    "import './side.js';",
    "export { d } from './d.js';",
    "export * as e from './e.js';",
    "const f = await import('./f.js');",
    "const g = await import(/* @vite-ignore */ name);",
    "// import { h } from './h.js';",
    "/* export { i } from './i.js'; */",
    "const url = 'https://x.org/from'; const s = \"not from './j.js' really\";",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text).sort(), ['../b/c.js', './a.js', './d.js', './e.js', './f.js', './side.js']);
  // Sanity: the real tree has many imports, including known ones.
  assert.ok(edges.length > 200, `only ${edges.length} imports found`);
  assert.ok(edges.some((e) => e.from === 'optim/adam.ts' && e.to === 'core/errors.ts'));
});

test('every file of src/ sits in a folder with a layer, and every relative import resolves', () => {
  const problems: string[] = [];
  for (const f of files) {
    if (f === ENTRY) continue;
    if (!f.includes('/')) problems.push(`src/${f}: a file at the top of src/ other than the package entry ${ENTRY}`);
    else if (!(folderOf(f) in LAYERS)) problems.push(`src/${f}: folder ${folderOf(f)}/ has no layer`);
  }
  const known = new Set(files);
  for (const e of edges) {
    if (e.to.startsWith('../')) problems.push(`src/${e.from} → '${e.spec}': imports a file outside src/`);
    else if (!known.has(e.to)) problems.push(`src/${e.from} → '${e.spec}': no such file src/${e.to}`);
  }
  if (problems.length) assert.fail(`${problems.length} problems (layered folders: ${Object.keys(LAYERS).join(', ')}):\n${problems.join('\n')}`);
});

test('no import goes up the layer order (nothing imports the package entry)', () => {
  const violations: string[] = [];
  for (const e of edges) {
    if (e.from === ENTRY) continue;
    const fa = folderOf(e.from);
    const fb = folderOf(e.to);
    if (e.to === ENTRY) {
      violations.push(`src/${e.from} → '${e.spec}' (imports the package entry src/${ENTRY})`);
      continue;
    }
    const la = LAYERS[fa];
    const lb = LAYERS[fb];
    // A file in a folder without a layer is reported by the test above; an import INTO such a
    // folder from a layered one is a violation here.
    if (la === undefined) continue;
    if (lb === undefined) {
      violations.push(`src/${e.from} → '${e.spec}' (${fa}:${la} → ${fb}: a folder without a layer)`);
      continue;
    }
    if (lb > la) violations.push(`src/${e.from} → '${e.spec}' (${fa}:${la} → ${fb}:${lb})`);
  }
  if (violations.length) assert.fail(`${violations.length} upward imports:\n${violations.join('\n')}`);
});

test('no import cycle between folders', () => {
  const folderEdges = edges
    .filter((e) => e.from !== ENTRY && e.to !== ENTRY && folderOf(e.from) !== folderOf(e.to))
    .map((e) => ({ a: folderOf(e.from), b: folderOf(e.to), e }));
  const adj = graph(folderEdges);
  const nodes = [...new Set(folderEdges.flatMap((x) => [x.a, x.b]))];
  const found: string[] = [];
  for (const comp of cycles(nodes, adj)) {
    const set = new Set(comp);
    const path = cyclePath(comp[0]!, set, adj);
    const via: string[] = [];
    for (let i = 0; i + 1 < path.length; i++) {
      for (const x of folderEdges) if (x.a === path[i] && x.b === path[i + 1]) via.push(`    src/${x.e.from} → '${x.e.spec}'`);
    }
    const others = comp.length > path.length - 1 ? ` (all of ${comp.join(', ')} are on cycles)` : '';
    found.push(`folders ${path.join(' → ')}${others}, through:\n${via.join('\n')}`);
  }
  if (found.length) assert.fail(`${found.length} folder cycles:\n${found.join('\n')}`);
});

test('no import cycle between files', () => {
  const fileEdges = edges.filter((e) => e.from !== ENTRY).map((e) => ({ a: e.from, b: e.to }));
  const adj = graph(fileEdges);
  const found = cycles(files, adj).map((comp) => `${cyclePath(comp[0]!, new Set(comp), adj).map((f) => `src/${f}`).join(' → ')}${comp.length > 2 ? ` (${comp.length} files in the cycle: ${comp.join(', ')})` : ''}`);
  if (found.length) assert.fail(`${found.length} file cycles:\n${found.join('\n')}`);
});
