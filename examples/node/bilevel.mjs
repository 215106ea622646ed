// Single-loop bilevel optimization: PBGD-Free, PBGD and F2SA on the flat 1-D quadratic
// (g = ½(y − x)², f = ½(x − 1)² + ½(y − x)²; the solution is x = 1).
import { ready } from 'metaoptim';
import { f2sa, flatQuadratic1d, pbgd, pbgdFree } from 'metaoptim/bilevel';

await ready();
const p = flatQuadratic1d();
const free = await pbgdFree(p, { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
console.log(`pbgdFree x = ${free.x[0].toFixed(4)} with ${free.counts.total} gradient evaluations`);
const penalty = await pbgd(p, { iterations: 3000, gammaMax: 10, lrX: 0.1, lrY: 0.1 });
console.log(`pbgd     x = ${penalty.x[0].toFixed(4)} with ${penalty.counts.total} gradient evaluations`);
const fully = await f2sa(p, { iterations: 3000, lambdaMax: 10, alpha: 0.1, beta: 0.1 });
console.log(`f2sa     x = ${fully.x[0].toFixed(4)} with ${fully.counts.total} gradient evaluations`);
