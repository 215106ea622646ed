// What `getConfig` / `fromConfig` can honestly round-trip.
//
// A TF.js optimizer config is JSON. A metaoptim optimizer is rebuilt from its name and its
// hyper-parameters only when both say everything: the hand-made optimizers `sgd`, `momentum`,
// `adam`, `adamw`, `eve` and `lion` with constant hyper-parameters. Everything else cannot be
// rebuilt from JSON alone: a schedule is a function; a `chain(…)` is code; `learned()` and the
// DCO rules carry meta-parameters θ (thousands of numbers, or n×n matrices) that belong in their
// own files. For those, `getConfig` still describes the optimizer (so `model.save` works) and
// `fromConfig` throws INVALID_ARGUMENT saying to rebuild the optimizer in code with `tfOptimizer`.
import { MetaoptimError } from '../core/errors.js';
import { adam, adamw } from '../optim/adam.js';
import { eve } from '../optim/eve.js';
import { lion } from '../optim/lion.js';
import { momentum, sgd } from '../optim/sgd.js';
import type { Optimizer } from '../optim/types.js';

/** A JSON value (TF.js `ConfigDictValue`). */
type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

/** The config a `MetaoptimTfOptimizer` reports (`getConfig()`). */
export interface TfOptimizerConfig {
  [key: string]: Json;
  /** The metaoptim optimizer's name (`adam`, `eve`, `chain(scaleByAdam,…)`, `mlp-lopt`, `dcog`, …). */
  optimizer: string;
  /** Its hyper-parameters; schedules appear as the string `'<schedule>'`. */
  hyperparams: { [key: string]: Json };
  /** True when `fromConfig` can rebuild exactly this optimizer. */
  rebuildable: boolean;
}

/** Factories `fromConfig` can call: name → (hyper-parameters → optimizer). */
const FACTORIES: Readonly<Record<string, (o: Record<string, unknown>) => Optimizer>> = {
  sgd: (o) => sgd(o),
  momentum: (o) => momentum(o),
  adam: (o) => adam(o),
  adamw: (o) => adamw(o),
  eve: (o) => eve(o),
  lion: (o) => lion(o),
};

const SCHEDULE = '<schedule>';

function toJson(v: unknown): Json | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'function') return SCHEDULE;
  return undefined;
}

/** Describes `optimizer` as JSON, and says whether `rebuildOptimizer` can make it again. */
export function describeOptimizer(optimizer: Optimizer): TfOptimizerConfig {
  const hyperparams: { [key: string]: Json } = {};
  let exact = optimizer.name in FACTORIES;
  for (const [k, v] of Object.entries(optimizer.hyperparams)) {
    const j = toJson(v);
    if (j === undefined || j === SCHEDULE || (typeof v === 'number' && !Number.isFinite(v))) exact = false;
    if (j !== undefined) hyperparams[k] = j;
  }
  return { optimizer: optimizer.name, hyperparams, rebuildable: exact };
}

/** The optimizer a config describes; INVALID_ARGUMENT when it cannot be rebuilt from JSON. */
export function rebuildOptimizer(config: Record<string, unknown>): Optimizer {
  const name = config.optimizer;
  const hp = config.hyperparams;
  if (typeof name !== 'string' || hp === null || typeof hp !== 'object') {
    throw new MetaoptimError('INVALID_ARGUMENT', 'MetaoptimTfOptimizer.fromConfig: the config needs { optimizer, hyperparams }');
  }
  const factory = FACTORIES[name];
  if (!factory || config.rebuildable === false) {
    throw new MetaoptimError(
      'INVALID_ARGUMENT',
      `MetaoptimTfOptimizer.fromConfig: ${name} cannot be rebuilt from JSON (only ${Object.keys(FACTORIES).join(', ')} with constant ` +
        'hyper-parameters can: schedules, chains and meta-parameters θ are code or data, not config); ' +
        'build it again in code and pass it to tfOptimizer()',
      { optimizer: name },
    );
  }
  return factory({ ...(hp as Record<string, unknown>) });
}
