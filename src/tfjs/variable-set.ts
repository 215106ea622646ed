// One metaoptim state per set of TensorFlow.js variables: the variables are laid out end to end in
// one flat f32 state (in the order the gradients arrive the first time), gradients are copied in,
// and updated parameters are copied out into fresh JavaScript memory before TF.js sees them.
//
// Why copies, never views. A tf tensor built from a typed array keeps that array on the cpu
// backend (and until upload on webgl): built from a view of WebAssembly memory, the "weights"
// would change whenever metaoptim writes that memory again (the next step, another state, or a
// memory growth that detaches it). transfer.ts moves the data: one copy each way where the
// backend allows it (tfjs-wasm), a `slice()` into a new ArrayBuffer elsewhere.
//
// Parameters written elsewhere (`model.setWeights`, `variable.assign`, loading a checkpoint) are
// noticed: every variable remembers the data id of the last tensor this set assigned to it; a
// different id means someone else wrote it, and its values are copied into the state first.
import * as tf from '@tensorflow/tfjs-core';
import { MetaoptimError } from '../core/errors.js';
import type { OptState } from '../optim/state.js';
import type { InitOptions, Optimizer, StepInfo } from '../optim/types.js';
import { backendCopiesOnWrite, readInto, tensorFrom } from './transfer.js';

/** Where one variable lives inside the flat state. */
export interface VariableSlot {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly shape: readonly number[];
  /** Element offset in the flat state. */
  readonly offset: number;
  readonly size: number;
  /** Data id of the tensor this set last assigned (undefined: not yet). */
  seen: object | undefined;
}

/** A gradient for one variable (`null` or `undefined` = no gradient: treated as zeros). */
export interface NamedGradient {
  name: string;
  tensor: tf.Tensor | null | undefined;
}

/** Canonical key of a set of variable names (order-free). */
export const setKey = (names: readonly string[]): string => [...names].sort().join('\u0000');

/** Looks up the registered variable behind each gradient and checks dtype and size. */
export function resolveVariables(owner: string, grads: readonly NamedGradient[]): tf.Variable[] {
  const registry = tf.engine().registeredVariables;
  const seen = new Set<string>();
  return grads.map(({ name, tensor }) => {
    if (seen.has(name)) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: variable ${name} appears twice in one gradient list`);
    seen.add(name);
    const v = registry[name];
    if (!v) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: no registered tf.Variable is named ${name}`, { name });
    if (v.dtype !== 'float32') {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: variable ${name} has dtype ${v.dtype}; metaoptim updates float32 variables only`, { name, dtype: v.dtype });
    }
    if (tensor && tensor.size !== v.size) {
      throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: the gradient of ${name} has ${tensor.size} elements, the variable ${v.size}`, {
        name,
        expected: v.size,
        got: tensor.size,
      });
    }
    return v;
  });
}

/**
 * The flat state of one variable set. `step` copies the gradients in, runs one optimizer step,
 * and copies the parameters out into new tensors assigned to the variables.
 */
export class VariableSet {
  readonly key: string;
  readonly slots: readonly VariableSlot[];
  readonly size: number;
  readonly state: OptState;
  private readonly byName: Map<string, VariableSlot>;

  /**
   * `checkpoint`: `state.save()` bytes to resume from (slots and scalars; the parameters are
   * taken from the variables). BAD_CHECKPOINT if they are not this optimizer's or not this size.
   */
  constructor(owner: string, optimizer: Optimizer, variables: readonly tf.Variable[], init: InitOptions, checkpoint?: Uint8Array) {
    let offset = 0;
    this.slots = variables.map((v) => {
      const s: VariableSlot = { name: v.name, variable: v, shape: [...v.shape], offset, size: v.size, seen: undefined };
      offset += v.size;
      return s;
    });
    this.size = offset;
    this.key = setKey(variables.map((v) => v.name));
    this.byName = new Map(this.slots.map((s) => [s.name, s]));
    const n = optimizer.hyperparams.n;
    if (typeof n === 'number' && n !== offset) {
      // DCO rules are made for a fixed parameter count (θ holds n×n matrices or n-vectors).
      throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: ${optimizer.name} was made for ${n} parameters, these variables hold ${offset}`, {
        expected: n,
        got: offset,
      });
    }
    if (checkpoint) {
      const state = optimizer.restore(checkpoint, init);
      if (state.size !== offset) {
        state.dispose();
        throw new MetaoptimError('BAD_CHECKPOINT', `${owner}: the saved optimizer state holds ${state.size} parameters, these variables ${offset}`);
      }
      this.state = state;
      const params = state.params;
      for (const s of this.slots) readInto(s.variable, params, s.offset);
    } else {
      const params = new Float32Array(offset);
      for (const s of this.slots) readInto(s.variable, params, s.offset);
      this.state = optimizer.init(params, init);
    }
    for (const s of this.slots) s.seen = s.variable.dataId;
  }

  /**
   * One step: refresh parameters written outside, copy the gradients in (missing ones as zeros),
   * step, copy the parameters out. Returns the optimizer's answer (false = step skipped by the
   * non-finite policy; the variables are then left as they were).
   */
  step(optimizer: Optimizer, grads: readonly NamedGradient[], info: StepInfo | undefined): boolean {
    let params = this.state.params;
    for (const s of this.slots) {
      if (s.variable.isDisposed) throw new MetaoptimError('DISPOSED', `variable ${s.name} was disposed`);
      if (s.variable.dataId !== s.seen) {
        readInto(s.variable, params, s.offset);
        s.seen = s.variable.dataId;
      }
    }
    const g = this.state.grads;
    for (const { name, tensor } of grads) {
      const s = this.byName.get(name)!; // same name set as the slots (the set's key)
      if (tensor) readInto(tensor, g, s.offset);
      else g.fill(0, s.offset, s.offset + s.size);
    }
    if (!optimizer.step(this.state, undefined, info)) return false;
    params = this.state.params; // re-derived: the step may have grown memory
    const copies = backendCopiesOnWrite();
    for (const s of this.slots) {
      const view = params.subarray(s.offset, s.offset + s.size);
      tf.tidy(() => {
        s.variable.assign(tensorFrom(view, s.shape, copies));
      });
      s.seen = s.variable.dataId;
    }
    return true;
  }

  /** True when these are the very variables of this set (same objects, any order). */
  holds(variables: readonly tf.Variable[]): boolean {
    return variables.every((v) => this.byName.get(v.name)?.variable === v);
  }

  /** Frees the metaoptim state (the variables belong to TF.js and stay). */
  dispose(): void {
    this.state.dispose();
  }
}
