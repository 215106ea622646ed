import { Rng } from '../../core/rng.js';
import { mlpLayout } from '../../nn/layout.js';
import type { Runtime } from '../../runtime/runtime.js';
import { MlpTask } from '../../tasks/classification.js';
import { DIGITS_VARIANTS, type DigitsVariant, type digitsSplit } from '../../tasks/digits.js';
import type { TaskFamily } from '../../tasks/types.js';
import type { DynamicsConfig } from './config.js';

/** What every part of `lab dynamics` shares: the budget, the base seed, the runtime, the data. */
export interface DynamicsContext {
  cfg: DynamicsConfig;
  seed: number;
  runtime: Runtime;
  data: Awaited<ReturnType<typeof digitsSplit>>;
  signal?: AbortSignal;
  /** Reports one finished unit of a stage (and yields / checks the abort signal). */
  step(label: string, done: number, total: number): Promise<void>;
}

/** The tensors (W1, b1, [BN], W2, b2) of a variant's 64-20-10 network. */
export function layoutOf(v: DigitsVariant) {
  return mlpLayout([64, 20, 10], DIGITS_VARIANTS[v].batchNorm).tensors;
}

/** The variant's network on the digits split, reading minibatches from stream `streamSeed`. */
function variantTask(ctx: DynamicsContext, v: DigitsVariant, streamSeed: number): MlpTask {
  const d = DIGITS_VARIANTS[v];
  return new MlpTask({ data: ctx.data, runtime: ctx.runtime, hidden: [...d.hidden], activation: d.activation, batchNorm: d.batchNorm, streamSeed, name: `digits-${v}` });
}

/** Family of one variant for meta-training: configs are minibatch-stream seeds; tbpttTrain picks the init seeds. */
export function variantFamily(ctx: DynamicsContext, v: DigitsVariant): TaskFamily<{ streamSeed: number }> {
  return {
    name: `digits-${v}-inits`,
    sample: (seed) => ({ streamSeed: seed >>> 0 }),
    task: (c) => variantTask(ctx, v, c.streamSeed),
  };
}

/** The task of tuning, meta-testing and recorded runs: stream `new Rng(seed ^ 0x5eed).u32()`. */
export function testTask(ctx: DynamicsContext, v: DigitsVariant): MlpTask {
  return variantTask(ctx, v, new Rng(ctx.seed ^ 0x5eed).u32());
}

/** The LSTM seed of variant index `vi` (shared by its main meta-training and its β runs). */
export function lstmSeed(ctx: DynamicsContext, vi: number): number {
  return (ctx.seed * 31 + vi) >>> 0;
}
