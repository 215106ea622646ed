// Every TypeScript/JavaScript example the project shows — the fenced ```ts/```js blocks of
// README.md and docs/*.md, and the @example blocks of every export's doc comment — compiles
// under `strict` against the package's own published types. The blocks are written inside the
// package (dist/doc-examples/), so `import … from 'metaoptim/<subpath>'` resolves through
// package.json "exports" to dist/src/*.d.ts exactly as it does for a user. JS blocks are
// checked as JavaScript (checkJs) with the same strict flags, so they stay runnable as .mjs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { entryFiles } from './entries.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = `${ROOT}dist/doc-examples/`;

interface Block {
  /** Where it comes from: `README.md:42` or `src/optim/adam.ts: adam`. */
  origin: string;
  lang: 'ts' | 'js';
  code: string;
  /** Line of the block's first code line in its origin (1-based); 0 for doc comments. */
  line: number;
  /** `src/…` path when the block shows a repository file (its first line says so). */
  path?: string;
}

const FENCE = /^```(ts|typescript|js|javascript)(?:[ \t][^\n]*)?\n([\s\S]*?)^```/gm;
/**
 * A fragment may be preceded by hidden context (imports, `declare const …` of the names it
 * uses), prepended for the check only:  <!-- example-context\n…\n-->  right before the fence.
 */
const CONTEXT = /<!--\s*example-context\n((?:(?!-->)[\s\S])*)-->\s*\n$/;

function fencedBlocks(file: string): Block[] {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  return [...text.matchAll(FENCE)].map((m) => {
    const context = CONTEXT.exec(text.slice(Math.max(0, m.index - 2000), m.index))?.[1] ?? '';
    const contextLines = context ? context.split('\n').length - 1 : 0;
    // Hidden context may use TypeScript (`declare`), so a block with context is checked as TS.
    return {
      origin: file,
      lang: context || m[1]!.startsWith('t') ? 'ts' : 'js',
      code: context + m[2]!,
      line: text.slice(0, m.index).split('\n').length + 1 - contextLines,
      path: /^\/\/ (src\/[\w/.-]+\.ts)\n/.exec(context + m[2]!)?.[1],
    };
  });
}

/**
 * A block headed `// src/<dir>/<file>.ts` shows a file inside the repository: it is written at
 * dist/doc-examples/tree/src/<dir>/<file>.ts, in directories that mirror dist/src (every other
 * entry symlinked to the built one), so its relative imports resolve to the built declarations.
 */
function placeInTree(path: string, code: string): string {
  const parts = path.split('/');
  let real = `${OUT}tree`;
  let built = `${ROOT}dist`;
  for (const dir of parts.slice(0, -1)) {
    real += `/${dir}`;
    built += `/${dir}`;
    mkdirSync(real, { recursive: true });
    if (!existsSync(built)) continue;
    for (const entry of readdirSync(built)) {
      if (!existsSync(`${real}/${entry}`) && !parts.includes(entry)) symlinkSync(`${built}/${entry}`, `${real}/${entry}`);
    }
  }
  const file = `${real}/${parts.at(-1)}`;
  writeFileSync(file, code);
  return file;
}

/** The @example blocks of every export (root and every subpath), with the symbol they document. */
function docExamples(): Block[] {
  const files = entryFiles(ROOT);
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const out: Block[] = [];
  for (const file of files) {
    const mod = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    if (!mod) continue;
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      if (seen.has(sym)) continue;
      seen.add(sym);
      for (const decl of sym.declarations ?? []) {
        for (const tag of ts.getJSDocTags(decl)) {
          if (tag.tagName.text !== 'example') continue;
          const text = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? '';
          const origin = `${decl.getSourceFile().fileName.slice(ROOT.length)}: ${exp.name}`;
          for (const m of text.matchAll(FENCE)) out.push({ origin, lang: m[1]!.startsWith('t') ? 'ts' : 'js', code: m[2]!, line: 0 });
        }
      }
    }
  }
  return out;
}

test('every README, docs/*.md and @example block type-checks under strict', { timeout: 120_000 }, () => {
  const docs = ['README.md', ...readdirSync(`${ROOT}docs`).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const blocks = [...docs.flatMap(fencedBlocks), ...docExamples()];
  const fromDocs = blocks.filter((b) => b.line > 0).length;
  assert.ok(fromDocs >= 35, `found only ${fromDocs} fenced blocks in README.md and docs/`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const byFile = new Map<string, Block>();
  for (const [i, b] of blocks.entries()) {
    // Each block is its own ES module (top-level await, no name clashes between blocks).
    const code = /\b(import|export)\b/.test(b.code) ? b.code : `${b.code}\nexport {};\n`;
    const file = b.path ? placeInTree(b.path, code) : `${OUT}example-${String(i).padStart(3, '0')}.${b.lang === 'ts' ? 'mts' : 'mjs'}`;
    if (!b.path) writeFileSync(file, code);
    byFile.set(file, b);
  }
  const program = ts.createProgram([...byFile.keys()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    allowJs: true,
    checkJs: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const failures: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const b = d.file ? byFile.get(d.file.fileName) : undefined;
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
    const where = b ? (b.line > 0 ? `${b.origin}:${b.line + pos}` : `${b.origin} (@example line ${pos + 1})`) : d.file?.fileName ?? 'global';
    failures.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  assert.deepEqual(failures, [], `${failures.length} type errors in examples`);

  // The @example blocks are complete programs: run them all, in order, in one Node process.
  const runnable: string[] = [];
  for (const [file, b] of byFile) {
    if (b.line > 0) continue;
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const out = file.replace(/\.m?ts$|\.mjs$/, '.run.mjs');
    writeFileSync(out, `console.log(${JSON.stringify(`--- ${b.origin}`)});\n${js}`);
    runnable.push(out);
  }
  assert.ok(runnable.length >= 34, `only ${runnable.length} @example blocks`);
  const script = `for (const f of ${JSON.stringify(runnable)}) await import(f);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  assert.equal(r.status, 0, `an @example failed:\n${r.stdout.split('\n').slice(-8).join('\n')}\n${r.stderr}`);
  assert.equal(r.stderr, '');
});
