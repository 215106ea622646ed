// typedoc configuration for `npm run docs`: the API reference in docs/api/ (gitignored).
// Entry points are derived from package.json "exports": the root and every subpath export
// whose target is dist/src/<X>.js documents src/<X>.ts, so a new subpath is documented as
// soon as it is exported. Warnings are errors: test/docs/typedoc.test.ts runs this build.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const entryPoints = [];
for (const target of Object.values(pkg.exports)) {
  const js = typeof target === 'string' ? target : target.default;
  if (typeof js === 'string' && js.startsWith('./dist/src/') && js.endsWith('.js')) {
    entryPoints.push(`./src/${js.slice('./dist/src/'.length, -'.js'.length)}.ts`);
  }
}

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: `${pkg.name} ${pkg.version}`,
  entryPoints,
  tsconfig: './tsconfig.json',
  out: './docs/api',
  readme: './README.md',
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  // No git remote in a plain clone: no links to a hosting site.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false, unusedMergeModuleWith: true },
  // Types that exported signatures mention but the package deliberately does not export
  // (runtime internals and lab-internal result rows); they appear inline in the reference.
  intentionallyNotExported: [
    'FILES', 'Materialized', 'Arena', 'Kernels', 'PerBuild', 'FieldRules', 'Json', 'DynamicsContext', 'HeatmapResult', 'EveTaskResult', 'CoefficientTrace', 'Entry', 'OneStepResult', 'QuadraticsResult',
    'VariedARow', 'ReportDoc', 'GradientMap', 'Region', 'DenseGrads', 'InterpResult', 'RegResult',
    'VariantResult', 'Kind', 'RaceTaskOptions', 'DynamicsParts', 'Resolved',
  ],
};
