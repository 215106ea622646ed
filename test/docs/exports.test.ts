// Every function and class the package exports (root and every subpath) carries a doc comment,
// so that typedoc's API reference and editor hovers explain it. Read from src/ with the
// TypeScript compiler's own symbol tables.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The entry files behind package.json's `exports` (dist/src/X.js ↔ src/X.ts). */
function entryFiles(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, { default?: string } | string> };
  const files: string[] = [];
  for (const target of Object.values(pkg.exports)) {
    const js = typeof target === 'string' ? target : target.default;
    if (!js || !js.startsWith('./dist/src/') || !js.endsWith('.js')) continue;
    files.push(`${ROOT}${js.slice('./dist/'.length, -3)}.ts`);
  }
  return files;
}

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
