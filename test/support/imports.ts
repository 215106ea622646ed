// Import specifiers of a TypeScript source (static, side-effect, export-from and dynamic
// imports, type-only ones included), comments removed first. Used by the layer test
// (test/layers.test.ts) and the TF.js isolation test (test/tfjs/isolation.test.ts).

/**
 * Removes comments (block, and line comments that do not sit inside a string such as a URL)
 * so that a commented-out import is not counted and a "from '…'" in prose is not either.
 */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  let quote: string | undefined;
  while (i < text.length) {
    const c = text[i]!;
    if (quote) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = undefined;
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier `text` imports: static, side-effect, export-from and dynamic (literal) imports. */
export function importSpecifiers(text: string): string[] {
  const code = stripComments(text);
  const specs: string[] = [];
  const patterns = [
    /(?:^|[^\w$.])(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, // import … from / export … from
    /(?:^|[^\w$.])import\s*(['"])([^'"]+)\1/g, // import '…'
    /(?:^|[^\w$.])import\s*\(\s*(['"`])([^'"`]+)\1\s*[,)]/g, // import('…')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[2]!);
  return specs;
}
