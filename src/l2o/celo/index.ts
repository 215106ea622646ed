export { type CeloLoadOptions, celo, celoFromTheta } from './celo.js';
export { celoAdam, celoAdamFromTheta } from './celo-adam.js';
export { type CeloInitOptions, type CeloOptimizer, type CeloOptions } from './family.js';
export { type CeloKind, type CeloTheta, loadCeloTheta, parseCeloTheta } from './theta.js';
export { shapesOf } from './layout.js';
