import { bilevelLab } from '../bilevel/lab.js';
import { dcoLab } from '../dco/lab.js';
import { dynamicsLab } from './dynamics/lab.js';
import { learnedLab } from './learned/lab.js';
import { restartsLab } from '../restart/lab.js';
import type { Lab } from './lab.js';

// The `npx metaoptim lab <name>` registry. A new experiment plugs in with one import line
// above and one entry below (e.g. `import { l2oLab } from '../l2o/lab.js';` … `l2oLab,`).
// Names must be unique, lower-case, without spaces.
export const labs: Lab[] = [
  bilevelLab,
  dcoLab,
  dynamicsLab,
  learnedLab,
  restartsLab,
];
