// Properties shared by both parts of the conformance suite (hand-made optimizers with a
// reference, and the Optimizer contract of learned and DCO optimizers).
import assert from 'node:assert/strict';
import type { NonFinitePolicy, OptState, Optimizer } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { firstDiff, sameBits } from './optimizers.js';

/**
 * `opt.init` with every non-finite entry replaced by 0 (init rejects NaN/±Inf parameters), then
 * the given values written through `state.params`: how the properties still drive NaN, ±Inf
 * and denormal parameters through the kernels.
 */
export function initRaw(opt: Optimizer, params: Float32Array, rt: Runtime): OptState {
  const s = opt.init(params.map((x) => (Number.isFinite(x) ? x : 0)), { runtime: rt });
  s.params.set(params);
  return s;
}

export interface Step {
  g: number[] | Float32Array;
  loss: number;
}

/**
 * Stable state shape, and save/restore bit-exact across runtimes: half the steps on `a`, save,
 * restore on `b`, the other half on both, then params and checkpoints must agree bit for bit.
 */
export function checkSaveRestore(opt: Optimizer, params: Float32Array, steps: readonly Step[], a: Runtime, b: Runtime): void {
  const s = initRaw(opt, params, a);
  const names = s.bufferNames;
  const scalarKeys = Object.keys(s.scalars);
  const half = Math.ceil(steps.length / 2);
  for (const st of steps.slice(0, half)) opt.step(s, st.g, { loss: st.loss });
  assert.deepEqual(s.bufferNames, names);
  assert.deepEqual(Object.keys(s.scalars), scalarKeys);
  for (const nm of names) assert.equal(s.view(nm).length, params.length);
  const r = opt.restore(s.save(), { runtime: b });
  assert.ok(sameBits(r.params, s.params));
  for (const nm of Object.keys(s.slots)) assert.ok(sameBits(r.view(nm), s.view(nm)), `slot ${nm}`);
  assert.deepEqual(r.scalars, s.scalars);
  for (const st of steps.slice(half)) {
    opt.step(s, st.g, { loss: st.loss });
    opt.step(r, st.g, { loss: st.loss });
  }
  assert.ok(sameBits(r.params, s.params), firstDiff(r.params, s.params));
  assert.deepEqual(r.save(), s.save());
  s.dispose();
  r.dispose();
}

/**
 * The non-finite gradient policies after one finite step: 'throw' throws NON_FINITE_GRADIENT and
 * changes nothing, 'skip' changes nothing but the skip count, 'zero' equals a step with the
 * non-finite entries of `bad` replaced by 0.
 */
export function checkNonFinitePolicies(make: (policy: NonFinitePolicy) => Optimizer, params: Float32Array, first: Step, bad: Float32Array, rt: Runtime): void {
  for (const policy of ['throw', 'skip', 'zero'] as const) {
    const opt = make(policy);
    const s = initRaw(opt, params, rt);
    opt.step(s, first.g, { loss: first.loss });
    const before = s.save();
    if (policy === 'throw') {
      assert.throws(() => opt.step(s, bad, { loss: 1 }), (e: { code?: string }) => e.code === 'NON_FINITE_GRADIENT');
      assert.deepEqual(s.save(), before);
    } else if (policy === 'skip') {
      assert.equal(opt.step(s, bad, { loss: 1 }), false);
      assert.equal(s.scalars.skipped, 1);
      const after = opt.restore(s.save(), { runtime: rt });
      after.scalars.skipped = 0;
      assert.deepEqual(after.save(), before);
      after.dispose();
    } else {
      const twin = opt.restore(before, { runtime: rt });
      assert.equal(opt.step(s, bad, { loss: 1 }), true);
      opt.step(twin, bad.map((x) => (Number.isFinite(x) ? x : 0)), { loss: 1 });
      assert.ok(sameBits(s.params, twin.params), firstDiff(s.params, twin.params));
      twin.dispose();
    }
    s.dispose();
  }
}

/**
 * Runs `steps` updates on the conformance parabola L = ½ Σ a_i (x_i − 1)², a_i = 1 + i
 * (n = 10, x₀ = 0; the gradient is written into the state's buffer, the zero-copy path) and
 * returns the initial and final loss.
 */
export function runParabola(opt: Optimizer, steps: number, rt: Runtime): { L0: number; L: number } {
  const n = 10;
  const s = opt.init(new Float32Array(n), { runtime: rt });
  const parabola = (x: Float32Array, g: Float32Array) => {
    let L = 0;
    for (let i = 0; i < n; i++) {
      L += 0.5 * (1 + i) * (x[i]! - 1) ** 2;
      g[i] = (1 + i) * (x[i]! - 1);
    }
    return L;
  };
  const L0 = parabola(s.params, s.grads);
  let L = L0;
  for (let t = 0; t < steps; t++) {
    opt.step(s, undefined, { loss: L });
    L = parabola(s.params, s.grads);
  }
  s.dispose();
  return { L0, L };
}
