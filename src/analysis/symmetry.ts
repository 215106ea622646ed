import { MetaoptimError } from '../core/errors.js';

/**
 * Symmetry-constraint deviations of an update (SPEC B.1.4; Kunin et al. 2021, "Neural
 * Mechanics"), for a two-layer block {W1, b1, W2, b2} with row-major W[out][in]:
 * W1 is H×I (hidden × input), b1 is H, W2 is O×H, b2 is O.
 *
 * ĝ is the update's effective gradient −Δθ (for plain GD, ĝ = η·g); θ is the parameter
 * value BEFORE the update. Each deviation is exactly 0 for an exact gradient of a network
 * with the symmetry:
 *   translation (softmax output), per hidden column j:  T_j = Σ_k ĝ_W2[k][j];  bias: T_b = Σ_k ĝ_b2[k]
 *       aggregate D_T = Σ_j T_j + T_b
 *   scale (BN'd hidden unit j):   S_j = ⟨ĝ_W1[j,:], W1[j,:]⟩ + ĝ_b1[j]·b1[j];        D_S = Σ_j S_j
 *   rescale (ReLU-like unit j):   R_j = S_j − ⟨ĝ_W2[:,j], W2[:,j]⟩;                    D_R = Σ_j R_j
 * The aggregates are the sums the reference code reports (per-unit values may cancel in
 * them, so per-unit vectors and Σ_j|·| are returned too). Works on any optimizer's update
 * (see `wouldUpdate` in observe.ts) and on raw gradients.
 *
 * Errors: `LENGTH_MISMATCH` when a tensor's length disagrees with the dimensions.
 */
export interface TwoLayerViews {
  W1: ArrayLike<number>;
  b1: ArrayLike<number>;
  W2: ArrayLike<number>;
  b2: ArrayLike<number>;
}

export interface TwoLayerDims {
  input: number;
  hidden: number;
  output: number;
}

export interface SymmetryDeviations {
  translation: { perUnit: Float64Array; weights: number; bias: number; total: number; absSum: number };
  scale: { perUnit: Float64Array; total: number; absSum: number };
  rescale: { perUnit: Float64Array; total: number; absSum: number };
}

/**
 * The flat layout [W1, b1, W2, b2] cut into views (no copy): `tensorViews` for this block.
 * @example
 * ```ts
 * import { twoLayerViews } from 'metaoptim/analysis';
 * const flat = new Float32Array(4 * 3 + 3 + 3 * 2 + 2);
 * const v = twoLayerViews(flat, { input: 4, hidden: 3, output: 2 });
 * console.log(v.W1.length, v.b1.length, v.W2.length, v.b2.length); // 12 3 6 2 (views, no copy)
 * ```
 */
export function twoLayerViews<T extends Float32Array | Float64Array>(flat: T, dims: TwoLayerDims, offset = 0): { W1: T; b1: T; W2: T; b2: T } {
  const v = tensorViews(flat, [
    ['W1', dims.hidden * dims.input],
    ['b1', dims.hidden],
    ['W2', dims.output * dims.hidden],
    ['b2', dims.output],
  ], offset);
  return { W1: v.W1!, b1: v.b1!, W2: v.W2!, b2: v.b2! };
}

/**
 * Consecutive named views (subarrays, no copy) of a flat vector, from `offset`.
 * @example
 * ```ts
 * import { tensorViews } from 'metaoptim/analysis';
 * const v = tensorViews(new Float64Array(5), [['a', 2], ['b', 3]]);
 * console.log(v.a!.length, v.b!.length); // 2 3
 * ```
 */
export function tensorViews<T extends Float32Array | Float64Array>(flat: T, layout: readonly (readonly [string, number])[], offset = 0): Record<string, T> {
  const out: Record<string, T> = {};
  let at = offset;
  for (const [name, len] of layout) {
    if (!Number.isInteger(len) || len < 0 || at + len > flat.length) {
      throw new MetaoptimError('LENGTH_MISMATCH', `tensorViews: ${name} (${len}) at ${at} overruns a vector of ${flat.length}`);
    }
    out[name] = flat.subarray(at, at + len) as T;
    at += len;
  }
  return out;
}

function check(what: string, v: TwoLayerViews, d: TwoLayerDims): void {
  const want: [keyof TwoLayerViews, number][] = [['W1', d.hidden * d.input], ['b1', d.hidden], ['W2', d.output * d.hidden], ['b2', d.output]];
  for (const [k, n] of want) {
    if (v[k].length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `symmetryDeviations: ${what}.${k} has ${v[k].length} entries, expected ${n}`);
  }
}

/**
 * Deviations of ĝ (= −Δθ, or a gradient) at parameters θ (before the update).
 * @example
 * ```ts
 * import { symmetryDeviations, twoLayerViews } from 'metaoptim/analysis';
 * const dims = { input: 2, hidden: 3, output: 2 };
 * const size = 2 * 3 + 3 + 3 * 2 + 2;
 * const theta = twoLayerViews(Float64Array.from({ length: size }, (_, i) => Math.cos(i)), dims);
 * const ghat = twoLayerViews(Float64Array.from({ length: size }, (_, i) => Math.sin(i)), dims);
 * const d = symmetryDeviations(theta, ghat, dims);
 * console.log(d.translation.perUnit.length, Number.isFinite(d.translation.total)); // 3 true (one deviation per hidden unit)
 * ```
 */
export function symmetryDeviations(theta: TwoLayerViews, ghat: TwoLayerViews, dims: TwoLayerDims): SymmetryDeviations {
  check('theta', theta, dims);
  check('ghat', ghat, dims);
  const { input: I, hidden: H, output: O } = dims;
  const T = new Float64Array(H), S = new Float64Array(H), R = new Float64Array(H);
  let tb = 0;
  for (let k = 0; k < O; k++) tb += ghat.b2[k]!;
  for (let j = 0; j < H; j++) {
    let s = ghat.b1[j]! * theta.b1[j]!;
    for (let i = 0; i < I; i++) s += ghat.W1[j * I + i]! * theta.W1[j * I + i]!;
    let t = 0, out = 0;
    for (let k = 0; k < O; k++) {
      t += ghat.W2[k * H + j]!;
      out += ghat.W2[k * H + j]! * theta.W2[k * H + j]!;
    }
    T[j] = t;
    S[j] = s;
    R[j] = s - out;
  }
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  const absSum = (a: Float64Array) => a.reduce((x, y) => x + Math.abs(y), 0);
  const tw = sum(T);
  return {
    translation: { perUnit: T, weights: tw, bias: tb, total: tw + tb, absSum: absSum(T) + Math.abs(tb) },
    scale: { perUnit: S, total: sum(S), absSum: absSum(S) },
    rescale: { perUnit: R, total: sum(R), absSum: absSum(R) },
  };
}

/**
 * ĝ = −Δθ as views of the same layout, from a flat update Δθ.
 * @example
 * ```ts
 * import { effectiveGradient } from 'metaoptim/analysis';
 * console.log(Array.from(effectiveGradient([0.1, -0.2]))); // [ -0.1, 0.2 ]: ĝ = −Δθ
 * ```
 */
export function effectiveGradient(delta: ArrayLike<number>): Float64Array {
  const g = new Float64Array(delta.length);
  for (let i = 0; i < delta.length; i++) g[i] = -delta[i]!;
  return g;
}

/**
 * Named views from a layout of `{ name, offset, length }` records (e.g. the nn module's `mlpLayout(...).tensors`).
 * @example
 * ```ts
 * import { viewsFromLayout } from 'metaoptim/analysis';
 * import { mlpLayout } from 'metaoptim/nn';
 * const { tensors, size } = mlpLayout([4, 3, 2], false);
 * const views = viewsFromLayout(new Float32Array(size), tensors);
 * console.log(Object.keys(views)); // [ 'W1', 'b1', 'W2', 'b2' ]
 * ```
 */
export function viewsFromLayout<T extends Float32Array | Float64Array>(flat: T, tensors: readonly { name: string; offset: number; length: number }[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const t of tensors) {
    if (!Number.isInteger(t.offset) || !Number.isInteger(t.length) || t.offset < 0 || t.length < 0 || t.offset + t.length > flat.length) {
      throw new MetaoptimError('LENGTH_MISMATCH', `viewsFromLayout: ${t.name} [${t.offset}, ${t.offset + t.length}) overruns a vector of ${flat.length}`);
    }
    out[t.name] = flat.subarray(t.offset, t.offset + t.length) as T;
  }
  return out;
}
