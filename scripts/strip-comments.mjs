#!/usr/bin/env node
// Strips comments from the compiled JavaScript under a folder (default dist/src): the doc
// comments live on in the .d.ts files next to it (where editors show them) and in src/, so the
// shipped .js need not carry a second copy. Bundler directives are kept (webpackIgnore,
// @vite-ignore, #__PURE__/@__PURE__, @license/@preserve/!), and so is a #! line. Comments are
// found with TypeScript's parser (every token's trivia), so strings, template literals and
// regular expressions are never touched. Idempotent; a file is rewritten (atomically, through a
// temporary file) only when it changes; files older than the stamp dist/.strip-stamp (written at
// the end) were done before and are skipped. Run by `npm run build:ts` and again by prepack.
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const KEEP = /webpackIgnore|@vite-ignore|[#@]__PURE__|@license|@preserve|^\/\*!/;

/** The text of `source` (JavaScript) without its comments, except the bundler directives in KEEP. */
export function stripComments(source, fileName = 'x.js') {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const ranges = new Map();
  const collect = (pos) => {
    for (const r of [...(ts.getLeadingCommentRanges(source, pos) ?? []), ...(ts.getTrailingCommentRanges(source, pos) ?? [])]) ranges.set(r.pos, r.end);
  };
  const walk = (node) => {
    collect(node.pos);
    for (const child of node.getChildren(sf)) {
      if (ts.isJSDoc(child)) continue;
      walk(child);
    }
  };
  walk(sf);
  collect(sf.endOfFileToken.pos);
  let out = '';
  let at = 0;
  for (const [pos, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (pos < at || KEEP.test(source.slice(pos, end))) continue;
    // Only whitespace next to the comment goes with it: a comment alone on its line(s) takes the
    // line; a trailing one takes the blanks before it. String contents are never near a comment.
    const lineStart = source.lastIndexOf('\n', pos - 1) + 1;
    let lineEnd = source.indexOf('\n', end);
    if (lineEnd < 0) lineEnd = source.length;
    let from = pos;
    let to = end;
    if (/^[ \t]*$/.test(source.slice(lineStart, pos)) && /^[ \t\r]*$/.test(source.slice(end, lineEnd))) {
      from = lineStart;
      to = Math.min(lineEnd + 1, source.length);
    } else if (/[ \t]$/.test(source.slice(lineStart, pos))) {
      while (from > lineStart && (source[from - 1] === ' ' || source[from - 1] === '\t')) from--;
    } else {
      while (to < lineEnd && (source[to] === ' ' || source[to] === '\t')) to++;
    }
    from = Math.max(from, at);
    out += source.slice(at, from);
    at = to;
  }
  return out + source.slice(at);
}

function walkDir(dir, files = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkDir(p, files);
    else if (e.name.endsWith('.js')) files.push(p);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'dist/src';
  const stamp = join(dirname(dir), '.strip-stamp');
  const since = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity;
  let changed = 0;
  let before = 0;
  let after = 0;
  for (const file of walkDir(dir)) {
    if (statSync(file).mtimeMs <= since) continue;
    const text = readFileSync(file, 'utf8');
    const stripped = stripComments(text, file);
    before += text.length;
    after += stripped.length;
    if (stripped === text) continue;
    writeFileSync(`${file}.tmp`, stripped);
    renameSync(`${file}.tmp`, file);
    changed++;
  }
  writeFileSync(stamp, `comments stripped from ${dir}/**/*.js by scripts/strip-comments.mjs\n`);
  if (changed) process.stderr.write(`strip-comments: ${changed} files in ${dir}, ${before} → ${after} characters\n`);
}
