import { mean } from '../../core/stats.js';
import type { Budget, BudgetResult } from '../protocol.js';
import type { EveTaskResult, HeatmapResult } from './run.js';

/**
 * The Eve paper's claims (SPEC A.1.5), each checked on the suite with a stated rule:
 * a claim is "reproduced" when it holds on ≥ 75 % of the tasks it concerns, "partly" on
 * ≥ 40 % (or, for comparisons, when Eve wins more tasks than it loses), "not reproduced"
 * otherwise. "Wins" compare the mean over reported seeds of the final training loss.
 */
export type Verdict = 'reproduced' | 'partly' | 'not reproduced';

export interface Finding {
  claim: string;
  verdict: Verdict;
  /** The numbers behind the verdict, in one sentence. */
  evidence: string;
  /** Per-task support: tasks where the claim held / was tested. */
  held: number;
  tested: number;
}

const meanFinal = (b: BudgetResult | undefined): number => {
  if (!b) return NaN;
  const v = b.runs.map((r) => r.finalLoss);
  return v.every(Number.isFinite) ? mean(v) : Infinity;
};
const budgetOf = (t: EveTaskResult, name: string, budget: Budget) => t.contestants.find((c) => c.name === name)?.budgets.find((b) => b.budget === budget);

function verdict(held: number, tested: number, lost?: number): Verdict {
  if (tested === 0) return 'not reproduced';
  if (held / tested >= 0.75) return 'reproduced';
  if (held / tested >= 0.4 || (lost !== undefined && held > lost)) return 'partly';
  return 'not reproduced';
}

const pct = (a: number, b: number) => `${a}/${b} tasks (${b ? Math.round((100 * a) / b) : 0} %)`;

/**
 * Number of grid learning rates whose tuning score is within the task's tolerance of the best:
 * score ≤ best + 0.1·(L₀ − best), with L₀ the initial loss on the same scale as the scores
 * (summed over the tuning seeds): a scale-free "width of the good lr range".
 */
export function goodLrCount(b: BudgetResult | undefined, initialLoss: number): number {
  const col = b?.tuning[0];
  if (!col) return 0;
  const best = Math.min(...col.scores);
  if (!Number.isFinite(best)) return 0;
  const tol = best + 0.1 * Math.max(0, initialLoss - best);
  return col.scores.filter((s) => Number.isFinite(s) && s <= tol).length;
}

/** Evaluates every claim on the lab's results. */
export function findings(tasks: EveTaskResult[], heat: HeatmapResult[], tuneSeeds: number): Finding[] {
  const out: Finding[] = [];
  // 1. Eve (tuned lr) reaches a lower training loss than Adam (tuned lr)
  {
    let held = 0, lost = 0, tested = 0;
    const ratios: number[] = [];
    for (const t of tasks) {
      const e = meanFinal(budgetOf(t, 'eve', 'small'));
      const a = meanFinal(budgetOf(t, 'adam', 'small'));
      if (Number.isNaN(e) || Number.isNaN(a)) continue;
      tested++;
      if (e < a) held++;
      else if (e > a) lost++;
      if (Number.isFinite(e) && Number.isFinite(a) && a > 0) ratios.push(e / a);
    }
    const med = ratios.sort((x, y) => x - y)[Math.floor(ratios.length / 2)];
    out.push({ claim: 'Eve reaches a lower training loss than Adam, both with the lr tuned on a grid', verdict: verdict(held, tested, lost), held, tested, evidence: `Eve lower on ${pct(held, tested)}, higher on ${lost}; median ratio Eve/Adam of the mean final loss ${med === undefined ? '—' : med.toPrecision(3)}` });
  }
  // 2. Eve has the lowest training loss of all contestants (small budget)
  {
    let held = 0, tested = 0;
    const winners = new Map<string, number>();
    for (const t of tasks) {
      const scores = t.contestants.map((c) => [c.name, meanFinal(c.budgets.find((b) => b.budget === 'small'))] as const).filter(([, v]) => !Number.isNaN(v));
      if (!scores.some(([n]) => n === 'eve')) continue;
      tested++;
      const best = Math.min(...scores.map(([, v]) => v));
      const w = scores.filter(([, v]) => v === best).map(([n]) => n);
      for (const n of w) winners.set(n, (winners.get(n) ?? 0) + 1);
      if (w.includes('eve')) held++;
    }
    const top = [...winners.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, k]) => `${n} ${k}`).join(', ');
    out.push({ claim: 'Eve has the lowest training loss of all optimizers (each tuned on the lr grid)', verdict: verdict(held, tested), held, tested, evidence: `Eve best on ${pct(held, tested)}; most wins: ${top}` });
  }
  // 3. Eve is less sensitive to the learning rate than Adam
  {
    let held = 0, lost = 0, tested = 0;
    let we = 0, wa = 0;
    for (const t of tasks) {
      const e = budgetOf(t, 'eve', 'small');
      const a = budgetOf(t, 'adam', 'small');
      if (!e?.tuning.length || !a?.tuning.length) continue;
      const l0 = t.initialLoss * tuneSeeds;
      const ge = goodLrCount(e, l0), ga = goodLrCount(a, l0);
      tested++;
      we += ge;
      wa += ga;
      if (ge > ga) held++;
      else if (ge < ga) lost++;
    }
    out.push({ claim: 'Eve is less sensitive to the learning rate than Adam', verdict: verdict(held, tested, lost), held, tested, evidence: `good lr range (score within 10 % of the way from L₀ to the best) wider for Eve on ${pct(held, tested)}, narrower on ${lost}; mean width ${tested ? (we / tested).toFixed(2) : '—'} vs ${tested ? (wa / tested).toFixed(2) : '—'} of 7 grid points` });
  }
  // 4. Adam with decays closes part of the gap to Eve; Eve (untuned) converges faster
  {
    let closes = 0, tested = 0, faster = 0;
    for (const t of tasks) {
      const e = meanFinal(budgetOf(t, 'eve', 'small'));
      const a = meanFinal(budgetOf(t, 'adam', 'small'));
      const decays = ['adam-cosine', 'adam-exp', 'adam-inv', 'adam-invsqrt'].map((n) => meanFinal(budgetOf(t, n, 'large'))).filter((v) => !Number.isNaN(v));
      if (Number.isNaN(e) || Number.isNaN(a) || decays.length === 0) continue;
      tested++;
      const d = Math.min(...decays);
      if (a > e && d < a) closes++;
      const eo = budgetOf(t, 'eve', 'oneShot'), ao = budgetOf(t, 'adam', 'oneShot');
      if (eo && ao && mean(eo.runs.map((r) => r.auc)) < mean(ao.runs.map((r) => r.auc))) faster++;
    }
    out.push({ claim: 'Adam with exponential, 1/t, 1/√t (or cosine) decay closes part of the gap to Eve', verdict: verdict(closes, tested), held: closes, tested, evidence: `on ${pct(closes, tested)} Eve beat tuned Adam and the best tuned decay (lr × k′) came closer` });
    out.push({ claim: 'Eve converges faster than Adam without tuning (defaults, area under the training-loss curve)', verdict: verdict(faster, tested), held: faster, tested, evidence: `Eve's default run has the smaller area under the loss curve on ${pct(faster, tested)}` });
  }
  // 5. The default (β3, c) = (0.999, 10) is near the best of the sweep
  {
    let held = 0;
    const parts: string[] = [];
    for (const h of heat) {
      const flat = h.loss.flat().filter(Number.isFinite).sort((a, b) => a - b);
      const i = h.beta3.indexOf(0.999), j = h.c.indexOf(10);
      const dflt = i >= 0 && j >= 0 ? h.loss[i]![j]! : NaN;
      const rank = flat.filter((v) => v < dflt).length + 1;
      const ok = Number.isFinite(dflt) && rank <= Math.ceil(flat.length / 4);
      if (ok) held++;
      parts.push(`${h.task}: default ranks ${rank}/${flat.length} (loss ${dflt.toPrecision(3)}, best ${flat[0]?.toPrecision(3)})`);
    }
    out.push({ claim: 'The default (β3, c) = (0.999, 10) is near the best of the β3 × c sweep', verdict: verdict(held, heat.length), held, tested: heat.length, evidence: `${parts.join('; ')}; "near" = in the best quarter of cells` });
  }
  return out;
}
