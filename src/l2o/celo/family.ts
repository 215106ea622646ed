import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import { type OptimizerSpec, makeOptimizer, nonFinitePolicy } from '../../optim/base.js';
import { decodeCheckpoint } from '../../optim/checkpoint.js';
import { eveLoss } from '../../optim/eve.js';
import type { OptState } from '../../optim/state.js';
import type { GradientInput, InitOptions, NonFinitePolicy, Optimizer } from '../../optim/types.js';
import type { Kernels } from '../../runtime/kernels.js';
import { type CeloTensor, SHAPE_SCALAR, celoLayout, shapesFromScalars, shapesToScalars } from './layout.js';
import {
  SCHEDULER_SCALARS, SchedulerKernel, type SchedulerState, type SchedulerWeights, initScheduler, lossDecays, schedulerFromScalars,
  schedulerToScalars, schedulerWeights,
} from './scheduler.js';
import type { CeloTheta } from './theta.js';

/** Options of `celo()` / `celoAdam()` (and their `…FromTheta` forms). */
export interface CeloOptions {
  /** Training horizon N for the scheduler's fraction t/N and loss decays; `init` may override. */
  numSteps?: number;
  /** Tensor shapes ([n] or [rows, cols]) in parameter order; `init` may override; default one vector. */
  shapes?: readonly (readonly number[])[];
  /** Non-finite gradient / loss policy (default `'throw'`). */
  nonFinite?: NonFinitePolicy;
}

/** `init` options of a Celo optimizer: where the state lives, the horizon and the tensor shapes. */
export interface CeloInitOptions extends InitOptions {
  numSteps?: number;
  shapes?: readonly (readonly number[])[];
  /** Tensors with a `shape` (e.g. `mlp().tensors`), instead of `shapes`. */
  tensors?: readonly { shape: readonly number[] }[];
}

/** A Celo optimizer: an `Optimizer` whose `init` also takes the horizon and the tensor shapes. */
export interface CeloOptimizer extends Optimizer {
  init(params: GradientInput, opts?: CeloInitOptions): OptState;
}

export const CELO_KEYS = optionKeys<CeloOptions>({ numSteps: 1, shapes: 1, nonFinite: 1 });
const INIT_KEYS = optionKeys<CeloInitOptions>({ runtime: 1, numSteps: 1, shapes: 1, tensors: 1 });

function checkSteps(owner: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: numSteps must be a positive integer (the training horizon), got ${String(v)}`);
  }
  return v;
}

/** What celo / celoAdam supply to the shared machinery. */
export interface CeloFamilySpec {
  name: string;
  theta: CeloTheta;
  slots: readonly string[];
  /** The per-parameter update after the scheduler produced lr_mult (f32). */
  apply(s: OptState, k: Kernels, tensors: readonly CeloTensor[], count: number, lrm: number): void;
}

/**
 * Builds a Celo-family optimizer on `makeOptimizer` (validation, non-finite gradient policy, the
 * checkpoint format): a loss is required every step (MISSING_LOSS; a non-finite loss follows the
 * policy: 'throw' → NON_FINITE_LOSS, 'skip' → the step is skipped, 'zero' → the loss buffer keeps
 * its state for this step). State scalars: numSteps, tensors + dim<i>r/dim<i>c/dim<i>x<j> (the shapes), and
 * the scheduler's lossIter, lossMean0…9, lossMin0…9, h00…h63, c00…c63.
 */
export function celoFamily(spec: CeloFamilySpec, opts: CeloOptions): CeloOptimizer {
  const { name } = spec;
  checkOptions(name, opts, CELO_KEYS);
  const defSteps = opts.numSteps === undefined ? undefined : checkSteps(name, opts.numSteps);
  const defShapes = opts.shapes;
  if (defShapes !== undefined) celoLayout(name, defShapes, defShapes.reduce((a, s) => a + (Array.isArray(s) ? s.reduce((x: number, y: number) => x * y, 1) : 0), 0));
  const policy = nonFinitePolicy(name, opts.nonFinite);
  const sw: SchedulerWeights = schedulerWeights(spec.theta);
  const layouts = new WeakMap<OptState, CeloTensor[]>();
  // Per state: the scheduler state buffer (re-read from the scalars every step: they stay the
  // truth for checkpoints), the loss decays of its horizon and the LSTM kernel, whose block of
  // re-laid weights lives in the state's runtime and is owned by the state (freed by dispose()).
  const sched = new WeakMap<OptState, { st: SchedulerState; N: number; decays: Float64Array; k: SchedulerKernel }>();
  const kernelOf = (s: OptState): SchedulerKernel => {
    const old = sched.get(s)?.k;
    if (old) return old;
    const k = new SchedulerKernel(s.runtime, sw);
    s.own(k.block);
    return k;
  };
  const schedOf = (s: OptState) => {
    const N = s.scalars.numSteps!;
    let c = sched.get(s);
    if (!c || c.N !== N) sched.set(s, (c = { st: schedulerFromScalars(s.scalars), N, decays: lossDecays(N), k: kernelOf(s) }));
    return c;
  };
  const layoutOf = (s: OptState) => {
    let l = layouts.get(s);
    if (!l) layouts.set(s, (l = celoLayout(name, shapesFromScalars(s.scalars), s.size)));
    return l;
  };
  const scalars: Record<string, number> = { numSteps: 0, tensors: 0 };
  for (const key of SCHEDULER_SCALARS) scalars[key] = 0;
  const base = makeOptimizer({
    name,
    hyperparams: { theta: spec.theta.sha256.slice(0, 16), numSteps: defSteps ?? 'init', shapes: defShapes ? JSON.stringify(defShapes) : 'init' },
    slots: spec.slots,
    scalars,
    nonFinite: policy,
    // The shapes: `dim<i>r`/`dim<i>c` (+ `dim<i>x<j>` for rank > 2) per tensor (checked again by celoLayout on restore).
    rules: { extraScalars: SHAPE_SCALAR },
    update(s, k, count, info) {
      const loss = eveLoss(name, info, policy);
      if (loss === undefined) return false;
      const tensors = layoutOf(s);
      const c = schedOf(s);
      const sch = schedulerFromScalars(s.scalars, c.st);
      const lrm = c.k.step(sch, c.decays, count, c.N, loss);
      spec.apply(s, k, tensors, count, lrm);
      schedulerToScalars(sch, s.scalars);
      return true;
    },
  } satisfies OptimizerSpec);

  return {
    name,
    hyperparams: base.hyperparams,
    step: base.step,
    init(params: GradientInput, o: CeloInitOptions = {}): OptState {
      checkOptions(`${name}.init`, o, INIT_KEYS);
      const N = o.numSteps !== undefined ? checkSteps(`${name}.init`, o.numSteps) : defSteps;
      if (N === undefined) throw new MetaoptimError('INVALID_ARGUMENT', `${name}.init: numSteps is required (init(params, { numSteps }) or ${name}({ numSteps }))`);
      const s = base.init(params, o.runtime ? { runtime: o.runtime } : undefined);
      try {
        const shapes = o.tensors ? o.tensors.map((t) => [...t.shape]) : (o.shapes ?? defShapes ?? [[s.size]]);
        layouts.set(s, celoLayout(`${name}.init`, shapes, s.size));
        s.scalars.numSteps = N;
        shapesToScalars(shapes, s.scalars);
        schedulerToScalars(initScheduler(sw), s.scalars);
        schedOf(s);
      } catch (err) {
        s.dispose();
        throw err;
      }
      return s;
    },
    restore(bytes: ArrayBufferView, o?: InitOptions): OptState {
      const s = base.restore(bytes, o);
      try {
        const c = decodeCheckpoint(bytes);
        for (const [key, v] of Object.entries(c.scalars)) if (SHAPE_SCALAR.test(key)) s.scalars[key] = v;
        checkSteps(`${name}.restore`, s.scalars.numSteps);
        layouts.set(s, celoLayout(`${name}.restore`, shapesFromScalars(s.scalars), s.size));
        schedOf(s);
      } catch (err) {
        s.dispose();
        throw err instanceof MetaoptimError && err.code !== 'BAD_CHECKPOINT' ? new MetaoptimError('BAD_CHECKPOINT', `${name}: ${err.message}`) : err;
      }
      return s;
    },
  };
}
