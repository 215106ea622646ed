// DCO: meta-train the DCOG update rule x ← x + argmin_δ ½δᵀPδ + gᵀδ on least-squares tasks with
// a shared A, and compare one learned step with one step of the gradient descent it started from.
import { ready } from 'metaoptim';
import * as dco from 'metaoptim/dco';

await ready();
const family = dco.leastSquaresFamily({ n: 5, m: 10, seed: 1 });
const tasks = Array.from({ length: 20 }, (_, i) => family.task(family.sample(i)));
const theta = dco.dcog.init(0, 5, { parameterization: 'full', lr: 0.3 });
const r = await dco.dcog.metaTrain(theta, { tasks, unroll: 1, batchSize: 20, iterations: 3000, lr: 0.05, finalLr: 5e-5, seed: 1 });

/** Relative error after one step of `theta`'s rule on a fresh task: ‖x₁ − x*‖ / ‖x₀ − x*‖. */
function oneStep(th, task) {
  const opt = dco.dcog.optimizer(th);
  const state = opt.init(task.init(0));
  const xStar = task.solution();
  const dist = () => Math.hypot(...Array.from(state.params, (x, i) => x - xStar[i]));
  const before = dist();
  task.loss(state.params, 0, state.grads);
  opt.step(state);
  const after = dist();
  state.dispose();
  return after / before;
}
const fresh = family.task(family.sample(1000));
console.log(`meta-gradient ${r.gradient}, meta-loss ${r.history[0]?.toExponential(2)} → ${r.history.at(-1)?.toExponential(2)}`);
console.log(`one step on a fresh task: relative error after gradient descent ${oneStep(theta, fresh).toExponential(2)}, after learned DCOG ${oneStep(r.theta, fresh).toExponential(2)}`);
