// Learned optimizers: the learned optimizer that ships with the package (the Adam-residual MLP)
// trains a fresh digits MLP like any optimizer; then three iterations of PES meta-training (in-process) move
// a freshly initialized one's meta-parameters.
import { adam, createRuntime, ready, train } from 'metaoptim';
import { esMetaTrain, learned, loptUnroll, mlpLOpt } from 'metaoptim/l2o';
import { digitsMlpTask, noisyQuadraticFamily } from 'metaoptim/tasks';

await ready();
const task = await digitsMlpTask();
for (const opt of [await learned(), adam({ lr: 3e-3 })]) {
  const run = await train(task, opt, { steps: 200, evalSplits: ['test'] });
  console.log(`${opt.name}: loss ${run.losses[0]?.toFixed(3)} → ${run.losses.at(-1)?.toFixed(3)}, test accuracy ${run.final.test?.accuracy?.toFixed(3)}`);
}
task.dispose();

const unroll = loptUnroll({ family: noisyQuadraticFamily({ dim: 8 }), lopt: mlpLOpt, runtime: await createRuntime(), innerSteps: 20 });
const theta0 = mlpLOpt.init(0);
const meta = await esMetaTrain({ estimator: 'pes', theta: theta0, iterations: 3, particles: 4, truncation: 5, seed: 1, unroll });
const moved = Math.hypot(...meta.theta.map((v, i) => v - theta0[i]));
console.log(`PES: ${meta.history.length} iterations, meta-loss ${meta.history.map((h) => h.loss.toFixed(3)).join(' ')}, |Δθ| ${moved.toExponential(2)}`);
