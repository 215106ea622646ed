import { bilevelLab } from './bilevel/index.js';
import { dcoLab } from './dco/lab.js';
import { dynamicsLab } from './dynamics/lab.js';
import { eveLab } from './eve/lab.js';
import { learnedLab } from './learned/lab.js';
import { raceLab } from './race/lab.js';
import { restartsLab } from './restarts/index.js';
import type { Lab } from './lab.js';

// The `npx metaoptim lab <name>` registry. A new experiment plugs in with one import line
// above and one entry below (e.g. `import { l2oLab } from './l2o/lab.js';` … `l2oLab,`).
// Names must be unique, lower-case, without spaces.
export const labs: Lab[] = [
  bilevelLab,
  dcoLab,
  dynamicsLab,
  eveLab,
  learnedLab,
  raceLab,
  restartsLab,
];
