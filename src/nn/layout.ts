import { MetaoptimError } from '../core/errors.js';

/** Hidden-layer nonlinearity. LeakyReLU has slope 0.01 for z ≤ 0. */
export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** Kernel code of each activation (assembly/nn.ts): 0 is the identity. */
export const ACTIVATION_KIND: Readonly<Record<Activation, number>> = { sigmoid: 1, tanh: 2, relu: 3, leaky_relu: 4 };

/** One named tensor inside the flat parameter vector. */
export interface TensorInfo {
  /** `W1`, `b1`, `gamma1`, `beta1`, `W2`, … (layers numbered from 1). */
  name: string;
  kind: 'weight' | 'bias' | 'gamma' | 'beta';
  /** Layer number, 1-based (layer l maps sizes[l−1] → sizes[l]). */
  layer: number;
  /** Offset in elements into the flat vector. */
  offset: number;
  length: number;
  /** `[out, in]` for weights (row-major: W[o][i] at offset + o·in + i), `[out]` otherwise. */
  shape: number[];
}

/**
 * The flat layout of an MLP with layer sizes n0 → n1 → … → nL: for l = 1..L in order,
 * W_l (n_l × n_{l−1}, row-major [out][in]), b_l (n_l), then for hidden layers of a
 * batch-norm model gamma_l, beta_l (n_l each).
 * @example
 * ```ts
 * import { mlpLayout } from 'metaoptim/nn';
 * const { tensors, size } = mlpLayout([64, 20, 10], false);
 * console.log(size, tensors.map((t) => t.name).join(' ')); // 1510 W1 b1 W2 b2
 * ```
 */
export function mlpLayout(sizes: readonly number[], batchNorm: boolean): { tensors: TensorInfo[]; size: number } {
  const tensors: TensorInfo[] = [];
  let off = 0;
  const L = sizes.length - 1;
  for (let l = 1; l <= L; l++) {
    const nIn = sizes[l - 1]!;
    const nOut = sizes[l]!;
    tensors.push({ name: `W${l}`, kind: 'weight', layer: l, offset: off, length: nIn * nOut, shape: [nOut, nIn] });
    off += nIn * nOut;
    tensors.push({ name: `b${l}`, kind: 'bias', layer: l, offset: off, length: nOut, shape: [nOut] });
    off += nOut;
    if (batchNorm && l < L) {
      tensors.push({ name: `gamma${l}`, kind: 'gamma', layer: l, offset: off, length: nOut, shape: [nOut] });
      off += nOut;
      tensors.push({ name: `beta${l}`, kind: 'beta', layer: l, offset: off, length: nOut, shape: [nOut] });
      off += nOut;
    }
  }
  return { tensors, size: off };
}

/** Validates `sizes` (≥ 2 positive integers, each ≤ 65,536). */
export function checkSizes(owner: string, sizes: unknown): number[] {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: sizes must list at least an input and an output size`);
  }
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 1 || s > 65536) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: layer sizes must be integers in [1, 65536], got ${String(s)}`);
    }
  }
  return sizes.slice() as number[];
}

/** Validates an activation name. */
export function checkActivation(owner: string, a: unknown): Activation {
  if (typeof a !== 'string' || !(a in ACTIVATION_KIND)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: activation must be one of ${Object.keys(ACTIVATION_KIND).join(', ')}, got ${String(a)}`);
  }
  return a as Activation;
}
