// Measures how long each long-running function of the library takes to reject after its
// AbortSignal fires (the loop contract promises ≤ 100 ms). Each run is given a budget far too
// long to finish, aborted after `--after` ms (default 300), and timed from abort() to rejection.
//   npm run build && node scripts/abort-latency.mjs [--after 300] [--repeat 3]
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(resolve(root, 'dist/src', p));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const after = arg('after', 300);
const repeat = arg('repeat', 3);

const { ready, adam, sgd, train } = await load('index.js');
const { rastriginTask, digitsMlpTask, noisyQuadraticFamily } = await load('tasks/index.js');
const { recordRun } = await load('analysis/index.js');
const { esMetaTrain, mlpLOpt, tbpttTrain, lstmLOpt } = await load('l2o/index.js');
const dco = await load('dco/index.js');
const qp = await load('qp/index.js');
const { pbgdFree, pbgd, f2sa, ridgeQuadratic } = await load('bilevel/index.js');
const { runRestarts, multiStartProposer } = await load('restart/index.js');
await ready();

const digits = await digitsMlpTask({ hidden: [32] });
const fam = dco.quadraticFamily({ n: 8, condition: 10, seed: 1 });
const n = 20, count = 200_000;
const Q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 2 : 0)));
const G = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const batchP = Float64Array.from({ length: count * n }, (_, k) => Math.sin(k));

// The worker setup module the meta-training tests use (an MLP optimizer on noisy quadratics).
const setup = { module: pathToFileURL(resolve(root, 'dist/test/support/quadratic-setup.js')).href, args: { dim: 2000, innerSteps: 50 } };
const meta = (workers) => (signal) =>
  esMetaTrain({ estimator: 'pes', theta: mlpLOpt.init(0), setup, workers, iterations: 1_000_000, particles: 4, truncation: 10, seed: 1, signal });

const cases = {
  'esMetaTrain (in-process)': meta(0),
  'esMetaTrain (2 workers)': meta(2),
  train: (signal) => train(rastriginTask({ n: 64 }), adam({ lr: 1e-2 }), { steps: 20_000_000, evalSplits: [], signal }),
  'train (digits MLP)': (signal) => train(digits, adam({ lr: 1e-3 }), { steps: 20_000_000, evalSplits: [], signal }),
  recordRun: (signal) => recordRun(sgd({ lr: 0.01 }), digits, { steps: 5_000_000, signal }),
  tbpttTrain: (signal) => tbpttTrain({ family: noisyQuadraticFamily({ dim: 400 }), theta: lstmLOpt.init(0), runs: 100_000, innerSteps: 200, unroll: 20, signal }),
  'dco metaTrain': (signal) => dco.dcogd.metaTrain(dco.dcogd.init(0, 8, { lr: 0.05, parameterization: 'full' }), { tasks: (s) => fam.task(fam.sample(s)), iterations: 10_000_000, unroll: 5, signal }),
  'qp.solveBatchAsync': (signal) => qp.solveBatchAsync({ Q, p: { batch: batchP, count }, G, h: new Array(n).fill(1) }, { signal }),
  pbgdFree: (signal) => pbgdFree(ridgeQuadratic(), { iterations: 20_000_000, recordEvery: 1000, signal }),
  pbgd: (signal) => pbgd(ridgeQuadratic(), { iterations: 20_000_000, recordEvery: 1000, signal }),
  f2sa: (signal) => f2sa(ridgeQuadratic(), { iterations: 20_000_000, recordEvery: 1000, signal }),
  runRestarts: (signal) => runRestarts(rastriginTask({ n: 16 }), { optimizer: sgd({ lr: 1e-4 }), proposer: multiStartProposer(), rounds: 0, stepsPerRound: 0, finalSteps: 50_000_000, signal }),
};

const rows = [];
for (const [name, run] of Object.entries(cases)) {
  const lat = [];
  let code = '';
  for (let r = 0; r < repeat; r++) {
    const ctl = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      ctl.abort();
    }, after);
    try {
      await run(ctl.signal);
      code = 'FINISHED (budget too small)';
    } catch (err) {
      code = err?.code ?? String(err);
      lat.push(performance.now() - abortedAt);
    }
  }
  rows.push({ name, code, lat });
  console.log(`${name.padEnd(26)} ${code.padEnd(8)} latency ms: ${lat.map((x) => x.toFixed(1)).join(', ')}  (max ${Math.max(...lat).toFixed(1)})`);
}
digits.dispose?.();
const worst = Math.max(...rows.flatMap((r) => r.lat));
console.log(`worst latency ${worst.toFixed(1)} ms over ${rows.length} functions × ${repeat} runs (abort after ${after} ms)`);
process.exit(rows.every((r) => r.code === 'ABORTED') ? 0 : 1);
