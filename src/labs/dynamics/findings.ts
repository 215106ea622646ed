import { mean, spearman } from '../../core/stats.js';
import type { Kind } from './config.js';
import { formatNumber as fmt } from '../../report/format.js';
import type { DynamicsParts, Finding, Findings, Verdict } from './types.js';

/**
 * Verdicts on the five findings of SPEC B.1.9, computed from the lab's numbers by fixed,
 * stated rules (so a reader can disagree with the thresholds, not with the arithmetic):
 *   1. symmetry breaking: mean |D| of the update over the first `symmetryWindow` steps, per
 *      symmetry of the variant; "far more" = ≥ 10× Adam's AND ≥ 10× SGD-momentum's. "Coincides
 *      with the early loss drop" = the step of the largest (10-point moving average) |D_T| of the
 *      L2O lies at or before the step where its mean loss has covered 80% of its drop in the window.
 *   2. regularization hurts: mean training loss of the regularized LSTM vs β = 0; "severely" =
 *      some β > 0 is ≥ 1.25× worse (reproduced), 1.05–1.25× (partly), otherwise not reproduced.
 *   3. interpolation: Spearman ρ(λ_L, |D_T|) ≥ 0.8 and ρ(λ_L, mean loss) ≤ −0.8 (both:
 *      reproduced; one: partly).
 *   4. magnitudes: the L2O's step-1 update norm is the largest of the four optimizers, and
 *      |ln(‖Δθ_L2O‖/‖Δθ_Adam‖)| at the last recorded step is below its value at step 1.
 *   5. noise: mean over checkpoints of the block-sum α̂ — L2O update > L2O gradient, and L2O
 *      update > every baseline's update; and L2O update λ_max > every baseline's.
 * Per variant: all conditions → reproduced, some → partly, none → not reproduced; over
 * variants: all reproduced → reproduced, all not → not reproduced, else partly.
 * Spearman ρ and means are core/stats (`spearman` over the finite pairs, ties at mean ranks).
 * For a partial run (aborted), a finding whose numbers did not finish is left out.
 */
/** Moving average over a trailing window of w points (shorter at the start). */
export function movingAverage(xs: readonly number[], w: number): number[] {
  return xs.map((_, i) => mean(xs.slice(Math.max(0, i - w + 1), i + 1)));
}

const combine = (vs: Verdict[]): Verdict =>
  vs.length && vs.every((v) => v === 'reproduced') ? 'reproduced' : vs.every((v) => v === 'not reproduced') ? 'not reproduced' : 'partly';
const byCount = (ok: boolean[]): Verdict => (ok.every(Boolean) ? 'reproduced' : ok.some(Boolean) ? 'partly' : 'not reproduced');

export function findings(r: DynamicsParts): Findings {
  const items: Finding[] = [];
  const haveVariants = r.variants.length > 0;
  // 1. Symmetry breaking.
  if (haveVariants) {
    const ev: string[] = [], vs: Verdict[] = [];
    for (const v of r.variants) {
      const o = v.optimizers;
      const ratios = v.kinds.map((k: Kind) => ({ k, adam: o.l2o.earlySymmetry[k] / o.adam.earlySymmetry[k], sgdm: o.l2o.earlySymmetry[k] / o.sgdm.earlySymmetry[k], lionAdam: o.lion.earlySymmetry[k] / o.adam.earlySymmetry[k] }));
      const far = ratios.every((q) => q.adam >= 10 && q.sgdm >= 10);
      const steps = o.l2o.symmetry.steps;
      const w = steps.filter((s) => s <= 200).length;
      const ma = movingAverage(o.l2o.symmetry.update.translation.slice(0, w), 10);
      const peakStep = steps[ma.indexOf(Math.max(...ma))] ?? NaN;
      const loss = o.l2o.loss.slice(0, Math.min(200, o.l2o.loss.length));
      const lossMa = movingAverage(loss, 10);
      const drop = lossMa[0]! - Math.min(...lossMa);
      const t80 = lossMa.findIndex((l) => lossMa[0]! - l >= 0.8 * drop) + 1;
      const early = peakStep <= t80;
      vs.push(byCount([far, early]));
      ev.push(`${v.variant}: ` + ratios.map((q) => `|D_${q.k[0]!.toUpperCase()}| L2O/Adam ${fmt(q.adam)}, L2O/SGDm ${fmt(q.sgdm)}, Lion/Adam ${fmt(q.lionAdam)}`).join('; ') + `; L2O peak |D_T| at step ${peakStep}, 80% of its loss drop by step ${t80}`);
    }
    items.push({ id: 1, claim: 'L2O, like Lion, breaks the gradient symmetry constraints far more than Adam or SGD; the largest deviation coincides with the early rapid loss drop.', verdict: combine(vs), evidence: ev });
  }
  // 2. Regularization.
  const base = r.reg.rows.find((x) => x.beta === 0);
  const others = r.reg.rows.filter((x) => x.beta > 0);
  if (base && others.length) {
    const worst = Math.max(...others.map((x) => x.meanLoss / base.meanLoss));
    const verdict: Verdict = !(worst >= 1.05) ? 'not reproduced' : worst >= 1.25 ? 'reproduced' : 'partly';
    items.push({
      id: 2, claim: 'Regularizing against symmetry breaking during meta-training severely hurts L2O performance.', verdict,
      evidence: [`${r.reg.variant}, ${r.reg.kind} regularizer: ` + r.reg.rows.map((x) => `β=${x.beta}: mean loss ${fmt(x.meanLoss)}, |D_${r.reg.kind[0]!.toUpperCase()}| ${fmt(x.deviation)}`).join('; ') + `; worst loss ratio vs β=0: ${fmt(worst)}`],
    });
  }
  // 3. Interpolation.
  if (r.interp.settings.some((st) => st.rows.length >= 2)) {
    const ev: string[] = [], vs: Verdict[] = [];
    for (const st of r.interp.settings.filter((x) => x.rows.length >= 2)) {
      const lam = st.rows.map((x) => x.lambda);
      const rd = spearman(lam, st.rows.map((x) => x.translation));
      const rl = spearman(lam, st.rows.map((x) => x.meanLoss));
      vs.push(byCount([rd >= 0.8, rl <= -0.8]));
      ev.push(`${r.interp.variant}, ${st.name} (SGD lr ${st.sgdLr}, Lion lr ${st.lionLr}): ` + st.rows.map((x) => `λ=${x.lambda}: loss ${fmt(x.meanLoss)}, |D_T| ${fmt(x.translation)}`).join('; ') + `; Spearman ρ(λ, |D_T|) = ${fmt(rd)}, ρ(λ, loss) = ${fmt(rl)}`);
    }
    items.push({ id: 3, claim: 'Lion–SGD interpolation: more Lion weight gives more symmetry breaking and better loss.', verdict: combine(vs), evidence: ev });
  }
  // 4. Update magnitudes.
  if (haveVariants) {
    const ev: string[] = [], vs: Verdict[] = [];
    for (const v of r.variants) {
      const o = v.optimizers;
      const first = (n: typeof o.l2o) => n.norms.update[0] ?? NaN;
      const last = (n: typeof o.l2o) => n.norms.update[n.norms.update.length - 1] ?? NaN;
      const largest = first(o.l2o) > Math.max(first(o.adam), first(o.sgdm), first(o.lion));
      const r0 = Math.abs(Math.log(first(o.l2o) / first(o.adam))), r1 = Math.abs(Math.log(last(o.l2o) / last(o.adam)));
      vs.push(byCount([largest, r1 < r0]));
      const lastStep = o.l2o.norms.steps[o.l2o.norms.steps.length - 1];
      ev.push(`${v.variant}: ‖Δθ‖ at step 1 — L2O ${fmt(first(o.l2o))}, Adam ${fmt(first(o.adam))}, SGDm ${fmt(first(o.sgdm))}, Lion ${fmt(first(o.lion))}; L2O/Adam ratio ${fmt(first(o.l2o) / first(o.adam))} at step 1 → ${fmt(last(o.l2o) / last(o.adam))} at step ${lastStep}`);
    }
    items.push({ id: 4, claim: "L2O starts with the largest updates, then drifts toward Adam's update magnitudes.", verdict: combine(vs), evidence: ev });
  }
  // 5. Noise.
  if (haveVariants) {
    const ev: string[] = [], vs: Verdict[] = [];
    for (const v of r.variants) {
      const o = v.optimizers;
      const a = (n: typeof o.l2o) => mean(n.checkpoints.updAlpha);
      const lm = (n: typeof o.l2o) => mean(n.checkpoints.updLambda);
      const base = [o.adam, o.sgdm, o.lion];
      const c1 = a(o.l2o) > mean(o.l2o.checkpoints.gradAlpha);
      const c2 = base.every((b) => a(o.l2o) > a(b));
      const c3 = base.every((b) => lm(o.l2o) > lm(b));
      vs.push(byCount([c1, c2, c3]));
      ev.push(`${v.variant}: update α̂ L2O ${fmt(a(o.l2o))} (its gradient ${fmt(mean(o.l2o.checkpoints.gradAlpha))}), Adam ${fmt(a(o.adam))}, SGDm ${fmt(a(o.sgdm))}, Lion ${fmt(a(o.lion))}; update λ_max L2O ${fmt(lm(o.l2o))}, Adam ${fmt(lm(o.adam))}, SGDm ${fmt(lm(o.sgdm))}, Lion ${fmt(lm(o.lion))}`);
    }
    items.push({ id: 5, claim: 'L2O update noise is less heavy-tailed (higher α̂) than its gradient noise and than the baselines\' updates, yet the top eigenvalue of its update covariance is larger.', verdict: combine(vs), evidence: ev });
  }
  return { items };
}
