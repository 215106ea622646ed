import { MetaoptimError } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import type { Runtime } from '../runtime/runtime.js';
import type { BoundRow } from './input.js';
import type { RuizScales } from './ruiz.js';

/** Which kernel solved the batch, and so which backward pass applies. */
export type QpMethod = 'box' | 'ipm' | 'active-set';

/** Where the rows of the kernel's inequality block came from (IPM path). */
export interface AugmentedRows {
  /** Rows of the user's G. */
  user: number;
  /** Variables j whose bound row −z_j ≤ −lb_j was appended (in order). */
  lower: number[];
  /** Variables j whose bound row z_j ≤ ub_j was appended (in order). */
  upper: number[];
}

/** Element offsets of named parts in a context's f64 block, and the block's length. */
export interface QpLayout {
  readonly off: Readonly<Record<string, number>>;
  readonly total: number;
}

/** Lays out named f64 parts back to back, each padded to an even length (16-byte aligned). */
export function qpLayout(parts: readonly (readonly [string, number])[]): QpLayout {
  const off: Record<string, number> = {};
  let total = 0;
  for (const [name, len] of parts) {
    off[name] = total;
    total += len + (len & 1); // keep every part 16-byte aligned
  }
  return { off, total };
}

/** What the backward pass needs to map kernel gradients back to the user's inputs. */
export interface GradientMap {
  /** User inputs present, and whether each was shared across the batch. */
  given: Partial<Record<'Q' | 'p' | 'A' | 'b' | 'G' | 'h' | 'lb' | 'ub', boolean>>;
  /** Box path from a G, h that describe only bounds. */
  boundRows?: BoundRow[];
  /** IPM and active-set paths: origin of the inequality rows. */
  rows?: AugmentedRows;
  /** IPM path: the Ruiz scales of the problem the kernel solved (src/qp/ruiz.ts). */
  ruiz?: RuizScales;
}

/**
 * The memory a solve leaves behind for `qp.backward`: problem data, solution, multipliers
 * and factorizations, in WebAssembly memory of `runtime`.
 *
 * Ownership: the context owns one f64 block (and, for the box path, one i32 block) in the
 * runtime's arena from the solve until `dispose()`. Results returned to you (`z`, `lambda`,
 * gradients) are ordinary JavaScript arrays and stay valid after `dispose()`. Call
 * `dispose()` once you no longer need gradients; it is idempotent, and `backward` on a
 * disposed context throws DISPOSED.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as qp from 'metaoptim/qp';
 * await ready();
 * const r = qp.solve({ Q: [[1, 0], [0, 1]], p: [1, -1] }); // r.context: a QpContext
 * const g1 = qp.backward(r.context, [1, 0]);
 * const g2 = qp.backward(r.context, [0, 1]); // the context serves many backward passes
 * r.context.dispose();
 * console.log(r.context.disposed, g1.p.length, g2.p.length); // true 2 2
 * ```
 */
export class QpContext {
  readonly method: QpMethod;
  readonly count: number;
  readonly n: number;
  /** Rows of the equality block. */
  readonly ne: number;
  /** Rows of the inequality block the kernel saw (user rows plus appended bound rows). */
  readonly ni: number;
  readonly runtime: Runtime;
  /** Bit mask of inputs shared across the batch, in the kernel's bit order. */
  readonly sharedMask: number;
  readonly map: GradientMap;
  /** Element offsets of named parts inside the f64 block. */
  readonly off: Readonly<Record<string, number>>;
  private readonly f64: Region<Float64Array>;
  private readonly i32: Region<Int32Array> | undefined;
  private _disposed = false;

  constructor(args: {
    method: QpMethod; count: number; n: number; ne: number; ni: number; runtime: Runtime; sharedMask: number;
    map: GradientMap; parts?: [string, number][]; layout?: { readonly off: Readonly<Record<string, number>>; readonly total: number }; i32Length?: number;
    /** false: the blocks are not zero-filled (Arena.alloc); the caller writes every entry it reads. Default true. */
    zeroed?: boolean;
  }) {
    this.method = args.method;
    this.count = args.count;
    this.n = args.n;
    this.ne = args.ne;
    this.ni = args.ni;
    this.runtime = args.runtime;
    this.sharedMask = args.sharedMask;
    this.map = args.map;
    const { off, total } = args.layout ?? qpLayout(args.parts ?? []);
    this.off = off;
    const zero = args.zeroed ?? true;
    this.f64 = new Region(args.runtime.arena, Float64Array, Math.max(total, 2), zero);
    try {
      this.i32 = args.i32Length ? new Region(args.runtime.arena, Int32Array, args.i32Length, zero) : undefined;
    } catch (err) {
      this.f64.release();
      throw err;
    }
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** Throws DISPOSED when the context or its runtime is gone. */
  assertLive(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', 'qp: context used after dispose()');
    if (this.runtime.disposed) throw new MetaoptimError('DISPOSED', 'qp: the runtime of this context was disposed');
  }

  /** Byte pointer of a named f64 part. */
  ptr(name: string): number {
    const o = this.off[name];
    if (o === undefined) throw new MetaoptimError('INVALID_ARGUMENT', `qp: context has no part ${name}`);
    return this.f64.ptr + o * 8;
  }

  /** A view of `len` f64 of a named part (re-derived; do not keep across allocations). */
  view(name: string, len: number): Float64Array {
    this.assertLive();
    return this.f64.view.subarray(this.off[name]!, this.off[name]! + len);
  }

  /** The whole f64 block (element offsets in `off`; re-derived, do not keep across allocations). */
  block(): Float64Array {
    this.assertLive();
    return this.f64.view;
  }

  /** i32 part: flags at 0, free indices at count·n (box path). */
  i32ptr(elem: number): number {
    return this.i32!.ptr + elem * 4;
  }

  i32view(elem: number, len: number): Int32Array {
    this.assertLive();
    return this.i32!.view.subarray(elem, elem + len);
  }

  /** Frees the context's WebAssembly memory; idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (!this.runtime.disposed) {
      this.f64.release();
      this.i32?.release();
    }
  }
}
