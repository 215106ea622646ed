// The demo page's script: plain ES modules straight from the package's build output.
// In an application write `from 'metaoptim'`, `from 'metaoptim/tasks'`, `from 'metaoptim/l2o'`.
import { adam, eve, lion, momentum, ready, sgd } from '../../dist/src/index.js';
import { esMetaTrain, mlpLOpt } from '../../dist/src/l2o/index.js';
import { quadraticTask, rastriginTask, rosenbrockTask } from '../../dist/src/tasks/index.js';

const quick = new URLSearchParams(location.search).has('quick');
const STEPS = quick ? 300 : 3000;
const FRAMES = quick ? 15 : 120; // the race advances every contestant STEPS / FRAMES steps per frame

// Learning rates from a log grid (1e-4 … 0.3, 1,000 steps, best final loss) per function.
const FUNCTIONS = [
  { name: 'Rosenbrock (2-D)', task: () => rosenbrockTask(), lr: { sgd: 3e-3, momentum: 3e-3, adam: 0.3, eve: 0.1, lion: 3e-3 } },
  { name: 'rotated quadratic (n = 20, κ = 100)', task: () => quadraticTask({ n: 20, condition: 100 }), lr: { sgd: 0.1, momentum: 0.1, adam: 0.1, eve: 0.1, lion: 3e-3 } },
  { name: 'Rastrigin (n = 10)', task: () => rastriginTask({ n: 10 }), lr: { sgd: 3e-3, momentum: 3e-4, adam: 0.03, eve: 3e-3, lion: 1e-3 } },
];
const OPTIMIZERS = {
  sgd: (lr) => sgd({ lr }),
  momentum: (lr) => momentum({ lr, momentum: 0.9 }),
  adam: (lr) => adam({ lr }),
  eve: (lr) => eve({ lr }),
  lion: (lr) => lion({ lr }),
};
const COLORS = { sgd: '#7f7f7f', momentum: '#1f77b4', adam: '#d62728', eve: '#2ca02c', lion: '#9467bd' };
const $ = (id) => document.getElementById(id);
const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Draws log10(loss) against the step (0 … xMax) for every curve: `{ optimizer, log }`. */
function draw(canvas, curves, xMax = STEPS, xLabel = 'step') {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const pad = { l: 44, r: 8, t: 8, b: 22 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of curves) for (const v of c.log) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#ddd';
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui';
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k += Math.max(1, Math.ceil((hi - lo) / 6))) {
    const y = pad.t + (h - pad.t - pad.b) * (1 - (k - lo) / (hi - lo));
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
    ctx.fillText(`1e${k}`, 4, y + 4);
  }
  ctx.fillText(`${xLabel} ${xMax}`, w - pad.r - 80, h - 6);
  for (const c of curves) {
    ctx.strokeStyle = COLORS[c.optimizer];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    c.log.forEach((v, i) => {
      const x = pad.l + (w - pad.l - pad.r) * (i / xMax);
      const y = pad.t + (h - pad.t - pad.b) * (1 - (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo));
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

/**
 * The race: every optimizer on every function, all advancing together a few steps per frame,
 * so the curves grow as the steps happen. A step is the optimizer API of the README:
 * the task writes the gradient into `state.grads`, then `opt.step(state, undefined, { loss })`.
 * A run that produces a non-finite loss or gradient, or a loss above 1e8·(|L₀| + 1), is marked
 * diverged and stops (the library's divergence rule).
 */
async function race() {
  $('race-status').textContent = 'running';
  $('legend').innerHTML = Object.keys(OPTIMIZERS).map((o) => `<span><i style="background:${COLORS[o]}"></i>${o}</span>`).join('');
  const runs = FUNCTIONS.map((f) => {
    const fig = document.createElement('figure');
    fig.innerHTML = `<figcaption>${f.name}</figcaption><canvas width="360" height="220"></canvas>`;
    $('panels').append(fig);
    const task = f.task();
    const curves = Object.entries(OPTIMIZERS).map(([name, make]) => {
      const opt = make(f.lr[name]);
      const state = opt.init(task.init(1));
      const first = task.loss(state.params, 0);
      return { optimizer: name, lr: f.lr[name], opt, state, first, log: [Math.log10(first)], losses: [first], diverged: false };
    });
    return { name: f.name, task, canvas: fig.querySelector('canvas'), curves };
  });
  const perFrame = Math.ceil(STEPS / FRAMES);
  for (let t = 0; t < STEPS; ) {
    const end = Math.min(STEPS, t + perFrame);
    for (const r of runs) {
      for (const c of r.curves) {
        for (let s = t; s < end && !c.diverged; s++) {
          const loss = r.task.loss(c.state.params, s, c.state.grads);
          if (!Number.isFinite(loss) || loss > 1e8 * (Math.abs(c.first) + 1) || !c.state.grads.every(Number.isFinite)) {
            c.diverged = true;
            break;
          }
          c.opt.step(c.state, undefined, { loss });
          const after = r.task.loss(c.state.params, s + 1);
          c.losses.push(after);
          c.log.push(Math.log10(Math.max(after, 1e-30)));
        }
      }
      draw(r.canvas, r.curves);
    }
    t = end;
    await nextFrame();
  }
  const result = runs.map((r) => ({
    name: r.name,
    runs: r.curves.map((c) => ({ optimizer: c.optimizer, lr: c.lr, initial: c.first, final: c.losses.at(-1), steps: c.losses.length - 1, diverged: c.diverged })),
  }));
  for (const r of runs) for (const c of r.curves) c.state.dispose();
  const head = `<tr><th>final loss after ${STEPS} steps</th>${Object.keys(OPTIMIZERS).map((o) => `<th>${o}</th>`).join('')}</tr>`;
  const rows = result.map((r) => `<tr><td>${r.name}</td>${r.runs.map((c) => `<td>${c.diverged ? 'diverged' : c.final.toExponential(2)}</td>`).join('')}</tr>`);
  $('race-table').innerHTML = head + rows.join('');
  window.raceResult = result;
  $('race-status').textContent = 'finished';
}

/** Meta-training with PES over two Web Workers; Stop aborts it through an AbortSignal. */
function metaTraining() {
  let controller;
  let resolveOutcome;
  window.metaOutcome = new Promise((resolve) => (resolveOutcome = resolve));
  $('train').onclick = async () => {
    controller = new AbortController();
    $('train').disabled = true;
    $('stop').disabled = false;
    $('train-status').textContent = 'starting workers…';
    const iterations = quick ? 400 : 2000;
    const losses = [];
    const started = performance.now();
    try {
      const r = await esMetaTrain({
        estimator: 'pes', theta: mlpLOpt.init(0), iterations, particles: 4, truncation: 5, seed: 1, staggerSteps: 5,
        setup: { module: new URL('./setup.js', import.meta.url).href, args: { dim: 8, innerSteps: 40 } },
        workers: 2,
        signal: controller.signal,
        onProgress: (e) => {
          $('progress').value = e.done / e.total;
          if (e.metrics?.loss !== undefined) {
            losses[e.done - 1] = Math.log10(Math.max(e.metrics.loss, 1e-30)); // progress arrives every ≥ 50 ms
            draw($('meta'), [{ optimizer: 'adam', log: Array.from(losses, (v, i) => v ?? losses.slice(0, i).findLast((u) => u !== undefined)) }], e.total, 'iteration');
          }
          $('train-status').textContent = `iteration ${e.done} / ${e.total}`;
        },
      });
      $('train-status').textContent = `finished ${r.history.length} iterations in ${(r.elapsedMs / 1000).toFixed(1)} s`;
      resolveOutcome({ code: 'FINISHED', iterations: r.history.length });
    } catch (err) {
      const latencyMs = performance.now() - (window.stoppedAt ?? NaN);
      $('train-status').textContent = err.code === 'ABORTED' ? `stopped after ${err.details.iteration} iterations` : `failed: ${err.message}`;
      resolveOutcome({ code: err.code ?? String(err), iteration: err.details?.iteration, hasCheckpoint: err.details?.partial instanceof Uint8Array, latencyMs, ranMs: performance.now() - started });
    } finally {
      $('train').disabled = false;
      $('stop').disabled = true;
    }
  };
  $('stop').onclick = () => {
    window.stoppedAt = performance.now();
    controller?.abort();
  };
}

const info = await ready();
$('build').textContent = `${info.build} build`;
metaTraining();
await race();
