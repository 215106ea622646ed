// The entry files behind package.json "exports": dist/src/X.js ↔ src/X.ts, the root and every
// subpath export (shared by the documentation tests).
import { readFileSync } from 'node:fs';

/** Absolute paths of src/<X>.ts for every export target ./dist/src/<X>.js, in package.json order. */
export function entryFiles(root: string): string[] {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, { default?: string } | string> };
  const files: string[] = [];
  for (const target of Object.values(pkg.exports)) {
    const js = typeof target === 'string' ? target : target.default;
    if (!js || !js.startsWith('./dist/src/') || !js.endsWith('.js')) continue;
    files.push(`${root}src/${js.slice('./dist/src/'.length, -3)}.ts`);
  }
  return files;
}
