// Whole-optimizer references: per-step scalars in f64 straight from the papers'
// equations (SPEC A.1, B.1.10), elementwise work through the kernel references.
// `step` follows the non-finite policy 'zero': a coordinate whose new parameter or slot value is
// non-finite keeps its old values (the kernel references do this per coordinate).
import { adamRef, lionRef, momentumRef, sgdRef } from './moments.js';

export type RefConfig =
  | { kind: 'sgd'; lr: number; momentum: number; nesterov: boolean; weightDecay: number }
  | { kind: 'adam' | 'adamw'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }
  | {
      kind: 'eve';
      lr: number; beta1: number; beta2: number; beta3: number; eps: number; weightDecay: number;
      variant: 'clip' | 'thresholds'; c: number; fStar: number; k: number; K: number; epsMode?: 'corrected' | 'uncorrected';
    }
  | { kind: 'lion'; lr: number; beta1: number; beta2: number; weightDecay: number }
  | { kind: 'lion-sgd-interp'; lambda: number; sgdLr: number; lionLr: number; momentum: number; beta1: number; beta2: number };

const f = Math.fround;

export class RefOptimizer {
  readonly p: Float32Array;
  readonly slots: Record<string, Float32Array> = {};
  t = 0;
  d = 1;
  fRef = NaN; // f̂ (thresholds) or f_prev (clip)

  constructor(readonly cfg: RefConfig, params: Float32Array) {
    this.p = params.slice();
    const n = params.length;
    if (cfg.kind === 'sgd') {
      if (cfg.momentum > 0 || cfg.nesterov) this.slots.trace = new Float32Array(n);
    } else if (cfg.kind === 'lion') this.slots.m = new Float32Array(n);
    else if (cfg.kind === 'lion-sgd-interp') {
      this.slots.trace = new Float32Array(n);
      this.slots.m = new Float32Array(n);
    }
    else {
      this.slots.m = new Float32Array(n);
      this.slots.v = new Float32Array(n);
    }
  }

  step(g: Float32Array, loss?: number): void {
    const c = this.cfg;
    this.t += 1;
    const t = this.t;
    switch (c.kind) {
      case 'sgd':
        if (this.slots.trace) momentumRef(this.p, g, this.slots.trace, c.momentum, c.weightDecay, c.lr, c.nesterov);
        else sgdRef(this.p, g, c.weightDecay, c.lr);
        return;
      case 'lion':
        lionRef(this.p, g, this.slots.m!, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.weightDecay, c.lr);
        return;
      case 'lion-sgd-interp': {
        // SPEC B.1.11: t ← μ·t + g; c = β1·m + (1−β1)·g; m ← β2·m + (1−β2)·g;
        // p ← p − (f32(λ·η_L)·sign(c) + f32((1−λ)·η_S)·t), every operation rounded to f32.
        const a = f(c.lambda * c.lionLr), b = f((1 - c.lambda) * c.sgdLr);
        const [mu, b1, ob1, b2, ob2] = [c.momentum, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2].map(f) as number[];
        const tr = this.slots.trace!, m = this.slots.m!;
        // A coordinate whose new p, trace or m is non-finite keeps its old values (policy 'zero').
        for (let i = 0; i < this.p.length; i++) {
          const gi = g[i]!;
          const tn = f(f(mu! * tr[i]!) + gi);
          const ci = f(f(b1! * m[i]!) + f(ob1! * gi));
          const mn = f(f(b2! * m[i]!) + f(ob2! * gi));
          const sign = ci > 0 ? 1 : ci < 0 ? -1 : 0;
          const pn = f(this.p[i]! - f(f(a * sign) + f(b * tn)));
          if (!(Number.isFinite(tn) && Number.isFinite(mn) && Number.isFinite(pn))) continue;
          tr[i] = tn;
          m[i] = mn;
          this.p[i] = pn;
        }
        return;
      }
      case 'adam':
      case 'adamw': {
        const c1 = 1 / (1 - c.beta1 ** t);
        const r2 = 1 / Math.sqrt(1 - c.beta2 ** t);
        const l2 = c.kind === 'adam' ? c.weightDecay : 0;
        const wd = c.kind === 'adamw' ? c.weightDecay : 0;
        adamRef(this.p, g, this.slots.m!, this.slots.v!, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c1, r2, c.eps, l2, wd, c.lr);
        return;
      }
      case 'eve': {
        const f = loss!;
        if (c.variant === 'clip') {
          // d_t = |f − f_prev| / (min(f, f_prev) − f*), clipped to [1/c, c]; d̃ ← β3·d̃ + (1−β3)·d̂
          if (!Number.isNaN(this.fRef)) {
            const dt = Math.abs(f / 2 - this.fRef / 2) / Math.max(Math.min(f, this.fRef) / 2 - c.fStar / 2, 2.2250738585072014e-308 / 2);
            this.d = c.beta3 * this.d + (1 - c.beta3) * Math.min(Math.max(dt, 1 / c.c), c.c);
          }
          this.fRef = f;
        } else if (f > 0) {
          if (Number.isNaN(this.fRef)) this.fRef = f;
          else {
            const up = f > this.fRef;
            const lo = up ? 1 + c.k : 1 / (1 + c.K);
            const hi = up ? 1 + c.K : 1 / (1 + c.k);
            const ratio = Math.min(Math.max(f / this.fRef, lo), hi);
            const fNew = Math.min(ratio * this.fRef, Number.MAX_VALUE);
            this.d = c.beta3 * this.d + (1 - c.beta3) * (Math.abs(fNew - this.fRef) / Math.min(fNew, this.fRef));
            this.fRef = Math.max(fNew, 2.2250738585072014e-308);
          }
        }
        const c1 = 1 / (1 - c.beta1 ** t);
        const r2 = 1 / Math.sqrt(1 - c.beta2 ** t);
        // clip: the step α/d̃ is applied as f32((1/d̃)·α); thresholds: d multiplies √v̂
        const [lre, r2e] = c.variant === 'clip' ? [(1 / this.d) * c.lr, r2] : [c.lr, r2 * this.d];
        const eps = c.epsMode === 'uncorrected' ? c.eps * r2 : c.eps;
        adamRef(this.p, g, this.slots.m!, this.slots.v!, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c1, r2e, eps, c.weightDecay, 0, lre);
        return;
      }
    }
  }
}
