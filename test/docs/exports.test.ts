// Every function and class the package exports (root and every subpath) carries a doc comment,
// so that typedoc's API reference and editor hovers explain it. Read from src/ with the
// TypeScript compiler's own symbol tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { entryFiles as entries } from './entries.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const entryFiles = (): string[] => entries(ROOT);

test('every exported function and class has a doc comment', () => {
  const files = entryFiles();
  assert.ok(files.length >= 10, `found ${files.length} entry files`);
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  let checked = 0;
  for (const file of files) {
    const sf = program.getSourceFile(file);
    assert.ok(sf, `cannot read ${file}`);
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) continue;
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      if (!(sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))) continue;
      checked++;
      const doc = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
      if (doc.length < 20) missing.push(`${file.slice(ROOT.length)}: ${exp.name}`);
    }
  }
  assert.ok(checked > 50, `checked only ${checked} exports`);
  assert.deepEqual([...new Set(missing)], [], `${missing.length} exports without a doc comment`);
});

/**
 * The API reference shows one runnable example per export that matters most: every function
 * and class of the root export, and the main entry points of each subpath. (The examples
 * themselves are type-checked and run by examples.test.ts.)
 */
const EXAMPLE_REQUIRED: Record<string, string[] | 'all functions and classes'> = {
  'src/index.ts': 'all functions and classes',
  'src/core/index.ts': ['Rng'],
  'src/nn/index.ts': ['mlp'],
  'src/tasks/index.ts': ['digitsMlpTask'],
  'src/data/index.ts': ['splitDataset'],
  'src/analysis/index.ts': ['recordRun', 'analyzeCheckpoint'],
  'src/l2o/index.ts': ['esMetaTrain', 'tbpttTrain', 'learned'],
  'src/dco/index.ts': ['metaTrain'],
  'src/qp/index.ts': ['solve', 'solveBatch', 'backward', 'solveBatchAsync'],
  'src/bilevel/index.ts': ['pbgdFree', 'pbgd', 'f2sa', 'defineBilevelProblem'],
  'src/restart/index.ts': ['runRestarts', 'surrogateProposer', 'openAICompatible'],
  'src/labs/index.ts': ['runFixed', 'lrGrid', 'tuneLr'],
};

test('the root export and each subpath\'s main entry points have an @example', () => {
  const files = Object.keys(EXAMPLE_REQUIRED).map((f) => `${ROOT}${f}`);
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  let checked = 0;
  for (const [file, wanted] of Object.entries(EXAMPLE_REQUIRED)) {
    const mod = checker.getSymbolAtLocation(program.getSourceFile(`${ROOT}${file}`)!);
    assert.ok(mod, file);
    const exports = new Map(checker.getExportsOfModule(mod).map((e) => [e.name, e]));
    const names = wanted === 'all functions and classes'
      ? [...exports.values()].filter((e) => (e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e).flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)).map((e) => e.name)
      : wanted;
    for (const name of names) {
      const exp = exports.get(name);
      assert.ok(exp, `${file} no longer exports ${name}`);
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      checked++;
      const tags = (sym.declarations ?? []).flatMap((d) => ts.getJSDocTags(d).map((t) => t.tagName.text));
      if (!tags.includes('example')) missing.push(`${file}: ${name}`);
    }
  }
  assert.ok(checked >= 33 + 24, `checked only ${checked} exports`);
  assert.deepEqual(missing, [], `${missing.length} exports without an @example`);
});
