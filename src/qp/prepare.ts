import { MetaoptimError } from '../core/errors.js';
import {
  type BoundRow,
  checkFinite,
  detectBounds,
  isPerProblem,
  type MatrixInput,
  matrixRows,
  type PackedBatch,
  perProblemCount,
  readField,
  symmetrize,
  type VectorInput,
} from './input.js';

/** One QP: minimize ½zᵀQz + pᵀz subject to Az = b, Gz ≤ h, lb ≤ z ≤ ub (every constraint optional). */
export interface QpProblem {
  Q: MatrixInput;
  p: VectorInput;
  A?: MatrixInput;
  b?: VectorInput;
  G?: MatrixInput;
  h?: VectorInput;
  /** Lower bounds; −Infinity entries mean "no bound". */
  lb?: VectorInput;
  /** Upper bounds; +Infinity entries mean "no bound". */
  ub?: VectorInput;
}

/** A field of a batch: one value shared by every problem, a list with one value per problem, or `{ batch }` packed. */
export type BatchField<T> = T | T[] | PackedBatch;

/** Many QPs of one shape; each field is shared or per-problem (see `BatchField`). */
export interface QpBatchProblem {
  Q: BatchField<MatrixInput>;
  p: BatchField<VectorInput>;
  A?: BatchField<MatrixInput>;
  b?: BatchField<VectorInput>;
  G?: BatchField<MatrixInput>;
  h?: BatchField<VectorInput>;
  lb?: BatchField<VectorInput>;
  ub?: BatchField<VectorInput>;
}

export type FieldName = 'Q' | 'p' | 'A' | 'b' | 'G' | 'h' | 'lb' | 'ub';

/** Packed f64 data of one field: `shared` fields hold one copy, others `count` copies. */
export interface Field {
  data: Float64Array;
  shared: boolean;
}

/** Validated, packed batch in JavaScript memory (copied into WebAssembly by the solver). */
export interface Prepared {
  count: number;
  n: number;
  ne: number;
  ni: number;
  fields: Partial<Record<FieldName, Field>>;
  /** Bound rows when the user's G, h describe only bounds (box path). */
  boundRows?: BoundRow[];
}

const RANK: Record<FieldName, 1 | 2> = { Q: 2, p: 1, A: 2, b: 1, G: 2, h: 1, lb: 1, ub: 1 };

/** Validates shapes and finiteness and packs every field (Q symmetrized). */
export function prepare(P: QpBatchProblem, batch: boolean, countHint?: number): Prepared {
  if (P === null || typeof P !== 'object') throw new MetaoptimError('QP_SHAPE', 'qp: expected a problem object { Q, p, … }');
  const raw = P as unknown as Record<FieldName, unknown>;
  if (raw.Q === undefined || raw.p === undefined) throw new MetaoptimError('QP_SHAPE', 'qp: Q and p are required');
  if ((raw.A === undefined) !== (raw.b === undefined)) throw new MetaoptimError('QP_SHAPE', 'qp: A and b must be given together');
  if ((raw.G === undefined) !== (raw.h === undefined)) throw new MetaoptimError('QP_SHAPE', 'qp: G and h must be given together');
  const per: Partial<Record<FieldName, boolean>> = {};
  let count = countHint ?? -1;
  const first = (name: FieldName): unknown => {
    const x = raw[name];
    if (!per[name]) return x;
    if (x !== null && typeof x === 'object' && 'batch' in (x as object)) return undefined;
    return (x as ArrayLike<unknown>)[0];
  };
  for (const name of Object.keys(RANK) as FieldName[]) {
    if (raw[name] === undefined) continue;
    per[name] = batch && isPerProblem(raw[name], RANK[name]);
  }
  // Dimensions from the vectors: n from p, ne from b, ni from h.
  const vecLen = (name: FieldName): number => {
    const x = raw[name];
    if (per[name]) {
      const f = first(name);
      if (f === undefined) {
        const pk = x as PackedBatch;
        if (!pk.count || !Number.isInteger(pk.count) || pk.batch.length % pk.count !== 0) {
          throw new MetaoptimError('QP_SHAPE', `qp: packed ${name} needs { batch, count } with count dividing its length`, { input: name });
        }
        return pk.batch.length / pk.count;
      }
      return (f as ArrayLike<number>).length;
    }
    if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
      throw new MetaoptimError('QP_SHAPE', `qp: ${name} must be an array of numbers`, { input: name });
    }
    return (x as ArrayLike<number>).length;
  };
  const n = vecLen('p');
  if (n === 0) throw new MetaoptimError('QP_SHAPE', 'qp: p is empty (n = 0)');
  const ne = raw.b !== undefined ? vecLen('b') : 0;
  const ni = raw.h !== undefined ? vecLen('h') : 0;
  const sizes: Record<FieldName, [number, number]> = { Q: [n, n], p: [n, 1], A: [ne, n], b: [ne, 1], G: [ni, n], h: [ni, 1], lb: [n, 1], ub: [n, 1] };
  for (const name of ['A', 'G'] as const) {
    if (raw[name] === undefined || per[name]) continue;
    const rows = matrixRows(name, raw[name], n);
    const want = sizes[name][0];
    if (rows !== want) {
      throw new MetaoptimError('QP_SHAPE', `qp: ${name} has ${rows} rows but ${name === 'A' ? 'b' : 'h'} has length ${want}`, { input: name });
    }
  }
  for (const name of Object.keys(per) as FieldName[]) {
    if (!per[name]) continue;
    const c = perProblemCount(name, raw[name], sizes[name][0] * sizes[name][1]);
    if (count >= 0 && c !== count) {
      throw new MetaoptimError('QP_SHAPE', `qp: ${name} holds ${c} problems, other inputs hold ${count}`, { input: name });
    }
    count = c;
  }
  if (count < 0) count = 1;
  if (count === 0) throw new MetaoptimError('QP_SHAPE', 'qp: the batch is empty');
  const fields: Partial<Record<FieldName, Field>> = {};
  for (const name of Object.keys(per) as FieldName[]) {
    const [rows, cols] = sizes[name];
    const size = rows * cols;
    const copies = per[name] ? count : 1;
    const data = new Float64Array(copies * size);
    const packed = per[name] && (raw[name] as PackedBatch).batch;
    if (packed && packed.length === data.length) data.set(packed);
    else for (let k = 0; k < copies; k++) readField(name, raw[name], !!per[name], k, rows, cols, RANK[name], data, k * size);
    if (name === 'Q') for (let k = 0; k < copies; k++) symmetrize(data, k * size, n);
    else checkFinite(name, data, name === 'lb' || name === 'ub');
    fields[name] = { data, shared: !per[name] };
  }
  const lb = fields.lb, ub = fields.ub;
  if (lb) for (let i = 0; i < lb.data.length; i++) if (lb.data[i] === Infinity) throw new MetaoptimError('QP_INFEASIBLE', `qp: lb[${i % n}] is +Infinity`, { index: i });
  if (ub) for (let i = 0; i < ub.data.length; i++) if (ub.data[i] === -Infinity) throw new MetaoptimError('QP_INFEASIBLE', `qp: ub[${i % n}] is −Infinity`, { index: i });
  if (lb && ub) {
    const m = Math.max(lb.data.length, ub.data.length);
    const lw = lb.data.length, uw = ub.data.length;
    for (let i = 0; i < m; i++) {
      // Index arithmetic only when one side is shared (`%` costs more than the comparison).
      const l = lb.data[lw === m ? i : i % lw]!, u = ub.data[uw === m ? i : i % uw]!;
      if (l > u) {
        throw new MetaoptimError('QP_INFEASIBLE', `qp: lb > ub at variable ${i % n}${count > 1 ? ` of problem ${Math.floor(i / n)}` : ''} (${l} > ${u})`, {
          problem: Math.floor(i / n),
          variable: i % n,
        });
      }
    }
  }
  const out: Prepared = { count, n, ne, ni, fields };
  if (fields.G && fields.G.shared && !fields.A && !lb && !ub) {
    const rows = detectBounds(fields.G.data, ni, n);
    if (rows) out.boundRows = rows;
  }
  return out;
}
