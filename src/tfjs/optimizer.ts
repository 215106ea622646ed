import * as tf from '@tensorflow/tfjs-core';
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer, StepInfo } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { type TfOptimizerConfig, describeOptimizer, rebuildOptimizer } from './config.js';
import { type NamedGradient, VariableSet, resolveVariables, setKey } from './variable-set.js';

export interface TfOptimizerOptions {
  /** The metaoptim runtime the states live in (default: the one `await ready()` made). */
  runtime?: Runtime;
}

/** The keys `tfOptimizer` options accept (anything else is UNKNOWN_OPTION). */
export const TF_OPTIMIZER_KEYS = optionKeys<TfOptimizerOptions>({ runtime: 1 });

/** A variable set and its state, as `MetaoptimTfOptimizer.variableSets` shows them. */
export interface VariableSetInfo {
  /** Variable names in their order inside the flat state. */
  readonly names: readonly string[];
  /** The metaoptim state (params, grads, slots, scalars; `state.save()` checkpoints it). */
  readonly state: OptState;
}

/**
 * A `tf.Optimizer` that updates TensorFlow.js variables with any metaoptim `Optimizer`
 * (`tfOptimizer(optimizer)` makes one). Use it wherever TF.js takes an optimizer:
 * `model.compile({ optimizer })` + `model.fit`, `optimizer.minimize(f)`, `applyGradients`.
 *
 * Each set of variables updated together gets ONE metaoptim state, the variables laid end to end
 * (in the order of the first gradient list; `learned({ segments })` takes the sizes in that order,
 * i.e. `model.trainableWeights`); variables re-created under the same names get a fresh state.
 * A step copies the gradients into WebAssembly memory, runs
 * `optimizer.step`, and copies the parameters out into new tensors (never views of WebAssembly
 * memory, which TF.js would keep). A missing (`null`) gradient counts as zeros, so a momentum
 * optimizer still moves that variable; TF.js optimizers skip it instead.
 *
 * The loss: `minimize(f)` (which `model.fit` calls) reads the value of `f()` and passes it as
 * `{ loss }` to the step, as Eve needs; `applyGradients(grads, { loss })` takes it directly.
 * Without one, Eve throws MISSING_LOSS.
 *
 * Serialization: registered as `metaoptim>MetaoptimOptimizer`. `getConfig()` describes any
 * optimizer; `fromConfig` rebuilds sgd, momentum, adam, adamw, eve and lion with constant
 * hyper-parameters and throws INVALID_ARGUMENT for the rest (see tfjs/config.ts). `getWeights` /
 * `setWeights` carry the state (one `state.save()` checkpoint per variable set), so
 * `model.save({ includeOptimizer: true })` + `tf.loadLayersModel` resume training exactly.
 *
 * Errors (all `MetaoptimError`): INVALID_ARGUMENT (unknown variable, non-float32 variable,
 * duplicate name, `setWeights` after the first step), BAD_CHECKPOINT (foreign `setWeights`), LENGTH_MISMATCH (gradient size, or a DCO rule made for another size), DISPOSED
 * (after `dispose()`), NOT_READY (no runtime), and those of the wrapped optimizer's `step`
 * (MISSING_LOSS, NON_FINITE_GRADIENT, …), thrown before any variable changes.
 */
export class MetaoptimTfOptimizer extends tf.Optimizer {
  /** The name TF.js serialization registers this class under. */
  static readonly className = 'MetaoptimOptimizer';

  /** The wrapped metaoptim optimizer. */
  readonly optimizer: Optimizer;
  private readonly runtime: Runtime | undefined;
  private readonly sets = new Map<string, VariableSet>();
  /** Checkpoints given to `setWeights`, by variable-set order, used when each set first steps. */
  private pending: Uint8Array[] = [];
  private disposed = false;

  constructor(optimizer: Optimizer, options: TfOptimizerOptions = {}) {
    super();
    const o = checkOptions('tfOptimizer', options, TF_OPTIMIZER_KEYS);
    if (!optimizer || typeof optimizer.init !== 'function' || typeof optimizer.step !== 'function') {
      throw new MetaoptimError('INVALID_ARGUMENT', 'tfOptimizer: expected a metaoptim Optimizer (adam(), eve(), await learned(), dcog.optimizer(θ), chain(…), …)');
    }
    this.optimizer = optimizer;
    this.runtime = o.runtime;
  }

  /**
   * Computes `f()` and its gradients, and applies them with the value of `f()` as the step's loss.
   * Same contract as `tf.Optimizer.minimize`: returns the cost when `returnCost`, else null.
   */
  override minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    const { value, grads } = this.computeGradients(f, varList);
    try {
      const loss = value.dataSync()[0]!;
      const list: NamedGradient[] = varList ? varList.map((v) => ({ name: v.name, tensor: grads[v.name] })) : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
      this.applyGradients(list, { loss });
    } catch (err) {
      value.dispose();
      throw err;
    } finally {
      tf.dispose(grads);
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * One optimizer step from named gradients (a map or a list, as TF.js gives them). `info.loss`
   * is passed to the step (Eve needs it). The caller keeps ownership of the gradient tensors.
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedGradient[], info?: StepInfo): void {
    if (this.disposed) throw new MetaoptimError('DISPOSED', 'MetaoptimTfOptimizer used after dispose()');
    const list: NamedGradient[] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({ name: g.name, tensor: g.tensor }))
      : Object.entries(variableGradients ?? {}).map(([name, tensor]) => ({ name, tensor }));
    if (list.length === 0) return;
    const key = setKey(list.map((g) => g.name));
    const variables = resolveVariables('tfOptimizer', list);
    let set = this.sets.get(key);
    if (set && !set.holds(variables)) {
      // Same names, new variables (the old ones were disposed and re-created): a fresh state.
      set.dispose();
      this.sets.delete(key);
      set = undefined;
    }
    if (!set) {
      const init = this.runtime ? { runtime: this.runtime } : {};
      set = new VariableSet('tfOptimizer', this.optimizer, variables, init, this.pending[this.sets.size]);
      this.sets.set(key, set);
    }
    set.step(this.optimizer, list, info);
    this.incrementIterations();
  }

  /** The variable sets seen so far and their metaoptim states. */
  get variableSets(): VariableSetInfo[] {
    return [...this.sets.values()].map((s) => ({ names: s.slots.map((x) => x.name), state: s.state }));
  }

  /** Frees every metaoptim state; the optimizer cannot step afterwards (DISPOSED). Idempotent. */
  override dispose(): void {
    for (const s of this.sets.values()) s.dispose();
    this.sets.clear();
    this.disposed = true;
    super.dispose();
  }

  /**
   * The optimizer's weights for `model.save({ includeOptimizer: true })`: `iter`, then one int32
   * tensor per variable set (in the order the sets first stepped) holding its `state.save()`
   * checkpoint bytes (length first, then the bytes packed four to an int32).
   */
  override async getWeights(): Promise<Array<{ name: string; tensor: tf.Tensor }>> {
    const out: Array<{ name: string; tensor: tf.Tensor }> = [await this.saveIterations()];
    [...this.sets.values()].forEach((s, i) => out.push({ name: `metaoptim/state${i}`, tensor: bytesToTensor(s.state.save()) }));
    return out;
  }

  /**
   * Takes weights from `getWeights` (what `tf.loadLayersModel` passes): the iteration count, and
   * one checkpoint per variable set that is restored when that set (by order) first steps, with
   * its parameters taken from the variables. BAD_CHECKPOINT for bytes that are not a checkpoint of
   * this optimizer (name, buffers, size).
   */
  override async setWeights(weightValues: Array<{ name: string; tensor: tf.Tensor }>): Promise<void> {
    if (this.sets.size > 0) throw new MetaoptimError('INVALID_ARGUMENT', 'MetaoptimTfOptimizer.setWeights: call it before the first step');
    const rest = await this.extractIterations(weightValues);
    this.pending = await Promise.all(rest.map((w) => tensorToBytes(w.tensor)));
  }

  /** JSON description: `{ optimizer, hyperparams, rebuildable }` (tfjs/config.ts). */
  override getConfig(): TfOptimizerConfig {
    return describeOptimizer(this.optimizer);
  }

  /**
   * Rebuilds the optimizer a config describes, in the default runtime (INVALID_ARGUMENT when the
   * config names a chain, a schedule, a learned or DCO optimizer: rebuild those in code).
   */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new (cls as unknown as new (o: Optimizer) => T)(rebuildOptimizer(config as Record<string, unknown>));
  }
}

tf.serialization.registerClass(MetaoptimTfOptimizer, 'metaoptim');

/** Checkpoint bytes as an int32 tensor: [byte length, bytes packed little-endian four per int32]. */
function bytesToTensor(bytes: Uint8Array): tf.Tensor {
  const words = new Int32Array(1 + Math.ceil(bytes.length / 4));
  words[0] = bytes.length;
  new Uint8Array(words.buffer, 4).set(bytes);
  return tf.tensor1d(words, 'int32');
}

/** The inverse of `bytesToTensor`; BAD_CHECKPOINT when the tensor cannot hold such bytes. */
async function tensorToBytes(t: tf.Tensor): Promise<Uint8Array> {
  const data = await t.data();
  const n = data[0];
  if (t.dtype !== 'int32' || t.rank !== 1 || n === undefined || !(n >= 0 && n <= (data.length - 1) * 4)) {
    throw new MetaoptimError('BAD_CHECKPOINT', 'MetaoptimTfOptimizer.setWeights: not the weights of a MetaoptimTfOptimizer');
  }
  const words = Int32Array.from(data as Int32Array);
  return new Uint8Array(words.buffer, 4, n).slice();
}

/**
 * Wraps a metaoptim optimizer as a real `tf.Optimizer` (see `MetaoptimTfOptimizer`):
 *
 *   await ready();
 *   model.compile({ optimizer: tfOptimizer(eve({ lr: 1e-3 })), loss: 'categoricalCrossentropy' });
 *   await model.fit(xs, ys, { epochs: 5 });
 *
 * Options: `runtime` (default: the runtime of `ready()`). Errors: INVALID_ARGUMENT (not an
 * optimizer), UNKNOWN_OPTION.
 */
export function tfOptimizer(optimizer: Optimizer, options?: TfOptimizerOptions): MetaoptimTfOptimizer {
  return new MetaoptimTfOptimizer(optimizer, options);
}
