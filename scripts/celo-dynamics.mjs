// Runs `lab dynamics`' analyses on Celo and Celo-Adam beside tuned Adam (src/labs/dynamics/celo.ts)
// on the digits 64-20-10 variants and prints Sobotka et al.'s findings 1, 4, 5 with Celo as the
// learned optimizer. Usage: npm run build && node scripts/celo-dynamics.mjs [--full] [--json out.json]
import { writeFileSync } from 'node:fs';
import { ready } from '../dist/src/index.js';
import { defaultRuntimeOrThrow } from '../dist/src/runtime/runtime.js';
import { digitsSplit } from '../dist/src/tasks/digits.js';
import { FULL_CONFIG, QUICK_CONFIG, celoDynamics, celoFindings } from '../dist/src/labs/dynamics/index.js';

const full = process.argv.includes('--full');
await ready();
const cfg = full ? FULL_CONFIG : QUICK_CONFIG;
const ctx = { cfg, seed: 0, runtime: defaultRuntimeOrThrow(), data: await digitsSplit(), step: async () => {} };
const out = [];
for (const v of cfg.variants) {
  const r = await celoDynamics(ctx, v);
  const f = celoFindings(r);
  const o = r.optimizers;
  console.log(`${v}: Adam lr ${r.adamLr}; final loss Adam ${o.adam.finalLoss.toPrecision(3)}, Celo ${o.celo.finalLoss.toPrecision(3)}, Celo-Adam ${o.celoAdam.finalLoss.toPrecision(3)}`);
  for (const x of f) console.log(`  finding ${x.id} ${x.verdict}: ${x.evidence.join(' ')}`);
  out.push({ variant: v, adamLr: r.adamLr, finalLoss: { adam: o.adam.finalLoss, celo: o.celo.finalLoss, celoAdam: o.celoAdam.finalLoss }, findings: f });
}
const i = process.argv.indexOf('--json');
if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify(out, null, 1) + '\n');
