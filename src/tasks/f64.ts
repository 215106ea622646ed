// The f64 view of a training problem: loss, gradient and (optionally) Hessian-vector products
// at a point, in double precision. Small-n meta-learning (DCO unrolls, their f64 baselines)
// runs on it. Least-squares, quadratic and logistic tasks provide it natively (`HasF64`,
// `asF64Task`); any other `Task` is adapted through its f32 interface (`fromTask`).
import type { Task } from './types.js';

export interface F64Task {
  readonly size: number;
  /** Starting point x₀ (a copy is made before use). */
  readonly x0: Float64Array;
  /**
   * f(x); when `grad` is given, ∇f(x) is written into it. Unrolls pass the step index t
   * (0 … T), so stochastic tasks evaluate minibatch t at step t; deterministic tasks ignore it.
   */
  loss(x: Float64Array, grad?: Float64Array, step?: number): number;
  /** ∇²f(x)·v into out (at unroll step `step`), when available (enables full meta-gradients). */
  hvp?(x: Float64Array, v: Float64Array, out: Float64Array, step?: number): void;
}

/** Tasks that carry their own exact f64 view (least squares, quadratics). */
export interface HasF64 {
  f64(seed?: number): F64Task;
}

/**
 * Adapts a generic `Task` (f32 parameters): loss and gradient on minibatch `batch` (default: the
 * unroll step, minibatch t at step t; called without a step, successive calls walk the stream),
 * x₀ from `task.init(seed)`. Accuracy is that of f32.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { fromTask, rosenbrockTask } from 'metaoptim/tasks';
 * await ready();
 * const f = fromTask(rosenbrockTask());
 * console.log(f.size); // 2: an f64 view of the task (the DCO solvers work on these)
 * ```
 */
export function fromTask(task: Task, seed = 0, batch?: number): F64Task {
  const n = task.size;
  const xf = new Float32Array(n), gf = new Float32Array(n), vf = new Float32Array(n), of = new Float32Array(n);
  let calls = 0, last = 0;
  const out: F64Task = {
    size: n,
    x0: Float64Array.from(task.init(seed)),
    loss(x, grad, step) {
      xf.set(x);
      const b = batch ?? step ?? calls++;
      last = b;
      const l = task.loss(xf, b, grad ? gf : undefined);
      if (grad) grad.set(gf);
      return l;
    },
  };
  if (task.hvp) {
    const hvp = task.hvp.bind(task);
    out.hvp = (x, v, o, step) => {
      xf.set(x);
      vf.set(v);
      hvp(xf, vf, of, batch ?? step ?? last);
      o.set(of);
    };
  }
  return out;
}

/**
 * The f64 view of a task: its own when it has one, else the f32 adapter.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { asF64Task, leastSquaresFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = leastSquaresFamily({ n: 3, m: 6, seed: 0 });
 * const f = asF64Task(family.task(family.sample(0))); // the task's own f64 form when it has one
 * console.log(f.size); // 3
 * ```
 */
export function asF64Task(task: Task | F64Task, seed = 0): F64Task {
  if ('x0' in task) return task;
  const t = task as Task & Partial<HasF64>;
  return typeof t.f64 === 'function' ? t.f64(seed) : fromTask(t, seed);
}
