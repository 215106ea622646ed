// scripts/strip-comments.mjs, which removes comments from the shipped JavaScript: it must never
// touch strings, template literals or regular expressions that look like comments, must keep
// bundler directives, and must be idempotent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT } from '../support/browser.js';

const modulePath = new URL('scripts/strip-comments.mjs', `file://${ROOT}`).href;
const { stripComments } = (await import(modulePath)) as { stripComments: (source: string) => string };

test('comments go; strings, templates and regular expressions that look like comments stay', () => {
  const source = [
    '/** Doc comment. */',
    'export const url = "https://example.org/a//b"; // trailing',
    "const t = `line 1\n  // inside a template\n\n  /* also inside */`;",
    "const re = /\\/\\*not a comment\\*\\//g; /* block */ const x = 1;",
    '  // alone on its line',
    'function f() {',
    '  return 2; /* end */',
    '  // before the brace',
    '}',
    '',
  ].join('\n');
  const out = stripComments(source);
  assert.equal(
    out,
    [
      'export const url = "https://example.org/a//b";',
      "const t = `line 1\n  // inside a template\n\n  /* also inside */`;",
      'const re = /\\/\\*not a comment\\*\\//g; const x = 1;',
      'function f() {',
      '  return 2;',
      '}',
      '',
    ].join('\n'),
  );
  assert.equal(stripComments(out), out, 'idempotent');
});

test('bundler directives and legal comments are kept', () => {
  const source = "const m = await import(/* @vite-ignore */ /* webpackIgnore: true */ name);\nconst y = /*#__PURE__*/ make();\n/*! MIT */\n";
  assert.equal(stripComments(source), source);
});
