// Fuzz (issue 15, item 8): random cross-optimizer stepping. A state made by one optimizer is
// stepped (and observed by wouldUpdate, and its checkpoint restored) by another picked at random
// from a pool where identical options come up often. Exactly the optimizers made with
// identical options may share the state; every other pair is STATE_MISMATCH (restore:
// BAD_CHECKPOINT) and leaves the state and the rest of memory untouched.
// Fixed seed in CI; FUZZ_RUNS=<n> for longer runs (test/support/fuzz.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { wouldUpdate } from '../../src/analysis/index.js';
import { MetaoptimError } from '../../src/core/errors.js';
import { dcog } from '../../src/dco/index.js';
import { lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import {
  type Optimizer,
  adam,
  adamw,
  chain,
  cosineDecay,
  eve,
  lion,
  lionSgdInterp,
  momentum,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  sgd,
  trace,
} from '../../src/optim/index.js';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz.js';

const N = 6;

const thetas = {
  mlp: [mlpLOpt.init(1), mlpLOpt.init(2)],
  lstm: [lstmLOpt.init(1), lstmLOpt.init(2)],
  dco: [dcog.init(1, N, { lr: 0.05 }), dcog.init(2, N, { lr: 0.05 })],
};

/** Factories with two choices per option: `make(a, b)` with a, b ∈ {0, 1}. */
const KINDS: Record<string, (a: number, b: number) => Optimizer> = {
  sgd: (a, b) => sgd({ lr: [0.1, 0.2][a], momentum: [0, 0.9][b] }),
  momentum: (a, b) => momentum({ lr: [0.1, 0.2][a], nesterov: b === 1 }),
  adam: (a, b) => adam({ lr: [0.1, 1000][a], beta2: [0.99, 0.999][b] }),
  adamw: (a, b) => adamw({ lr: [0.1, 0.2][a], weightDecay: [0.01, 0][b] }),
  eve: (a, b) => eve({ lr: [0.01, 0.02][a], variant: (['clip', 'thresholds'] as const)[b] }),
  lion: (a, b) => lion({ lr: [1e-3, 2e-3][a], beta1: [0.9, 0.8][b] }),
  lionSgdInterp: (a, b) => lionSgdInterp({ lambda: [0.25, 0.75][a], momentum: [0.9, 0.5][b] }),
  chainAdam: (a, b) => chain(trace({ momentum: [0.5, 0.9][a] }), scaleByAdam(), scaleByLearningRate(cosineDecay({ init: [0.1, 0.2][b]!, decaySteps: 20 }))),
  chainEve: (a, b) => chain(scaleByEve({ variant: (['clip', 'thresholds'] as const)[a] }), scaleByLearningRate([0.01, 0.02][b]!)),
  mlpLOpt: (a, b) => mlpLOpt.optimizer(thetas.mlp[a]!, { segments: b ? [2, 4] : undefined }),
  lstmLOpt: (a, b) => lstmLOpt.optimizer(thetas.lstm[a]!, { outScale: [0.1, 0.2][b] }),
  dcog: (a, b) => dcog.optimizer(thetas.dco[a]!, { trustRegion: b ? 0.5 : undefined }),
};

const pick = fc.record({ kind: fc.constantFrom(...Object.keys(KINDS)), a: fc.integer({ min: 0, max: 1 }), b: fc.integer({ min: 0, max: 1 }) });

let rt: Runtime;
before(async () => {
  rt = await createRuntime();
});
after(() => rt.dispose());

test('random cross-optimizer stepping: STATE_MISMATCH, or sharing exactly between identical options', () => {
  let shared = 0, refused = 0;
  fc.assert(
    // y = null: the same choice as x (so that identical options come up in about half the runs).
    fc.property(pick, fc.option(pick, { nil: null }), fc.boolean(), (x, yPick, zeroCopy) => {
      const y = yPick ?? x;
      const maker = KINDS[x.kind]!(x.a, x.b);
      // A fresh object even for the same choice: sharing must not depend on object identity.
      const stepper = KINDS[y.kind]!(y.a, y.b);
      const identical = x.kind === y.kind && x.a === y.a && x.b === y.b;
      const s = maker.init(Float32Array.from({ length: N }, (_, i) => Math.sin(i + 1)), { runtime: rt });
      maker.step(s, new Float32Array(N).fill(0.25), { loss: 2 });
      const g = Float32Array.from({ length: N }, (_, i) => 0.1 * (i - 2));
      const before = s.save();
      const memory = new Uint8Array(rt.arena.memory.buffer).slice();
      if (zeroCopy) s.grads.set(g);
      if (identical) {
        shared++;
        assert.equal(stepper.step(s, zeroCopy ? undefined : g, { loss: 1 }), true);
        // Sharing is exactly stepping with the maker itself.
        const twin = maker.restore(before, { runtime: rt });
        maker.step(twin, g, { loss: 1 });
        assert.deepEqual(twin.save(), s.save(), `${x.kind}: shared step == own step`);
        twin.dispose();
        wouldUpdate(stepper, s, g, { loss: 1 });
        stepper.restore(before, { runtime: rt }).dispose();
      } else {
        refused++;
        const mismatch = (e: unknown) => e instanceof MetaoptimError && e.code === 'STATE_MISMATCH';
        assert.throws(() => stepper.step(s, zeroCopy ? undefined : g, { loss: 1 }), mismatch, `${x.kind}${x.a}${x.b} → ${y.kind}${y.a}${y.b}`);
        assert.throws(() => wouldUpdate(stepper, s, g, { loss: 1 }), mismatch);
        assert.throws(() => stepper.restore(before, { runtime: rt }), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT');
        assert.deepEqual(s.save(), before, 'the state is unchanged');
        const now = new Uint8Array(rt.arena.memory.buffer);
        if (zeroCopy) memory.set(new Uint8Array(g.buffer), s.ptrs.grads!); // the caller's own write
        assert.ok(Buffer.from(now.buffer, now.byteOffset, now.length).equals(Buffer.from(memory.buffer)), 'no byte of memory changed');
      }
      s.dispose();
    }),
    fuzzParams(80),
  );
  assert.ok(shared > 0 && refused > 0, `both outcomes were exercised (${shared} shared, ${refused} refused)`);
});
