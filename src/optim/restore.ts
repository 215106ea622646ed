import { MetaoptimError, checkOptions } from '../core/errors.js';
import { crc32Hex } from '../core/crc32.js';
import { type DecodedCheckpoint, badCheckpoint, decodeCheckpoint, v1Hyper } from './checkpoint.js';
import { type StateMaker, differingKeys, portableHyper, portableKey } from './maker.js';
import { type FieldRules, type ValueRule, checkBuffer, finite, stepCount } from './rules.js';
import { type OptState, rawView } from './state.js';
import type { NonFinitePolicy, Optimizer, RestoreOptions } from './types.js';

/** The keys of `restore` options (anything else is UNKNOWN_OPTION). */
export const RESTORE_KEYS: readonly string[] = ['runtime', 'hyperparams'];

/** What `makeOptimizer` hands to `restoreState`. */
export interface RestoreTarget {
  name: string;
  maker: StateMaker;
  hyperparams: Readonly<Record<string, unknown>>;
  slots: readonly string[];
  scalarNames: readonly string[];
  rules: FieldRules;
  nonFinite: NonFinitePolicy;
  /** Re-makes an optimizer of this kind from a checkpoint's hyper-parameters (plain values). */
  remake?: (h: Record<string, unknown>, nonFinite: NonFinitePolicy) => Optimizer;
  newState(size: number, opts: RestoreOptions | undefined): OptState;
}

/** A checkpoint's hyper-parameter values as plain JS values (numbers given as text parsed back). */
function plainHyper(c: DecodedCheckpoint): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.hyperparams)) {
    if (v !== null && typeof v === 'object') {
      const t = (v as { $?: unknown }).$;
      const num = t === 'NaN' ? NaN : t === 'Infinity' ? Infinity : t === '-Infinity' ? -Infinity : t === '-0' ? -0 : undefined;
      if (num === undefined) return `${k} is ${String(t)}, which a checkpoint cannot rebuild`;
      out[k] = num;
    } else if (c.version === 1 && v === 'schedule') return `${k} is a schedule, which a version-1 checkpoint does not describe`;
    else out[k] = v;
  }
  return out;
}

/** The hyper-parameter keys that differ between the checkpoint and the optimizer ([] = same). */
/**
 * Hyper-parameters added after format 1, with the value a version-1 file implies (the behaviour
 * of the code that wrote it): Eve's `epsMode` ('corrected', the only placement then).
 */
const ADDED_AFTER_V1: Readonly<Record<string, unknown>> = { epsMode: 'corrected' };

function hyperDiff(t: RestoreTarget, c: DecodedCheckpoint): string[] {
  if (c.version === 1) {
    const mine = v1Hyper(t.hyperparams);
    const keys = new Set([...Object.keys(mine), ...Object.keys(c.hyperparams)]);
    keys.delete('nonFinite');
    const theirs = (k: string): unknown => (k in c.hyperparams ? c.hyperparams[k] : ADDED_AFTER_V1[k]);
    return [...keys].filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs(k))).sort();
  }
  const key = portableKey(c.hyperparams);
  if (crc32Hex(key) !== c.hyperHash) badCheckpoint('header.hyperHash', `hash ${String(c.hyperHash)} does not match the recorded hyper-parameters (${crc32Hex(key)})`);
  return key === t.maker.hyperKey ? [] : differingKeys(c.hyperparams, portableHyper(t.hyperparams));
}

const show = (v: unknown): string => (v !== null && typeof v === 'object' ? String((v as { $?: unknown }).$) : JSON.stringify(v));

/**
 * `optimizer.restore(bytes, opts)`: decodes (optim/checkpoint.ts), checks the maker, the layout
 * and every value, and returns a new state. See `Optimizer.restore` for the rules.
 */
export function restoreState(t: RestoreTarget, bytes: ArrayBufferView, opts: RestoreOptions | undefined): OptState {
  checkOptions(`${t.name}.restore`, opts, RESTORE_KEYS);
  const mode = opts?.hyperparams;
  if (mode !== undefined && mode !== 'checkpoint' && mode !== 'optimizer') {
    throw new MetaoptimError('INVALID_ARGUMENT', `${t.name}.restore: hyperparams must be 'checkpoint' or 'optimizer', got ${String(mode)}`);
  }
  const c = decodeCheckpoint(bytes);
  if (c.optimizer !== t.name) badCheckpoint('optimizer', `checkpoint was saved by ${c.optimizer}, not ${t.name}`, { checkpoint: c.optimizer, optimizer: t.name });
  const diff = hyperDiff(t, c);
  if (diff.length > 0 && mode !== 'optimizer') {
    const mine = c.version === 1 ? v1Hyper(t.hyperparams) : portableHyper(t.hyperparams);
    const what = diff.map((k) => `${k} ${show(c.hyperparams[k])} ≠ ${show(mine[k])}`).join(', ');
    const extra = { keys: diff, checkpoint: c.hyperHash, optimizer: t.maker.hash };
    if (mode === undefined) {
      badCheckpoint('hyperparams', `saved with other hyper-parameters than ${t.name}'s (checkpoint vs optimizer: ${what}); pass { hyperparams: 'checkpoint' } or { hyperparams: 'optimizer' } to choose`, extra);
    }
    // mode 'checkpoint': an optimizer of this kind re-made with the checkpoint's hyper-parameters.
    const plain = plainHyper(c);
    if (typeof plain === 'string' || !t.remake) {
      badCheckpoint('hyperparams', `not representable: ${typeof plain === 'string' ? plain : `${t.name} cannot be re-made from a checkpoint (θ or functions are not stored)`}`, extra);
    }
    let remade: Optimizer;
    try {
      remade = t.remake(plain, t.nonFinite);
    } catch (err) {
      return badCheckpoint('hyperparams', `not representable: ${err instanceof Error ? err.message : String(err)}`, extra);
    }
    if (c.version === 2 && portableKey(portableHyper(remade.hyperparams)) !== portableKey(c.hyperparams)) {
      badCheckpoint('hyperparams', `not representable: re-making ${t.name} from the checkpoint gives other hyper-parameters`, extra);
    }
    return remade.restore(bytes, { runtime: opts?.runtime, hyperparams: 'optimizer' });
  }
  checkLayout(t, c);
  checkValues(t, c);
  const s = t.newState(c.size, opts);
  for (const w of ['params', ...t.slots]) rawView(s, w).set(c.arrays[w]!); // fills a fresh state: nothing handed out
  for (const w of t.scalarNames) s.scalars[w] = c.scalars[w]!;
  return s;
}

/** Exactly the optimizer's buffers (params and slots) and scalars, each array of `size` entries. */
function checkLayout(t: RestoreTarget, c: DecodedCheckpoint): void {
  const want = ['params', ...t.slots];
  for (const w of want) if (!(w in c.arrays)) badCheckpoint(`arrays.${w}`, `missing (${t.name} keeps [${want.join(', ')}])`);
  for (const h of Object.keys(c.arrays)) if (!want.includes(h)) badCheckpoint(`arrays.${h}`, `unexpected (${t.name} keeps [${want.join(', ')}])`);
  for (const w of want) {
    if (c.arrays[w]!.length !== c.size) badCheckpoint(`arrays.${w}`, `has ${c.arrays[w]!.length} entries, the state has ${c.size} parameters`);
  }
  for (const w of t.scalarNames) if (!(w in c.scalars)) badCheckpoint(`scalars.${w}`, 'missing');
  for (const h of Object.keys(c.scalars)) if (!t.scalarNames.includes(h) && !t.rules.extraScalars?.test(h)) badCheckpoint(`scalars.${h}`, `unexpected (${t.name} keeps [${t.scalarNames.join(', ')}])`);
}

/** Every scalar against its rule, every buffer finite, second moments ≥ 0. */
function checkValues(t: RestoreTarget, c: DecodedCheckpoint): void {
  for (const w of t.scalarNames) {
    const rule: ValueRule = w === 'count' || w === 'skipped' ? stepCount : t.rules.scalars?.[w] ?? finite;
    const why = rule(c.scalars[w]!);
    if (why !== undefined) badCheckpoint(`scalars.${w}`, why, { value: c.scalars[w] });
  }
  for (const w of Object.keys(c.scalars)) {
    if (t.scalarNames.includes(w)) continue; // extra scalars (rules.extraScalars)
    const why = stepCount(c.scalars[w]!);
    if (why !== undefined) badCheckpoint(`scalars.${w}`, why, { value: c.scalars[w] });
  }
  for (const w of ['params', ...t.slots]) {
    const why = checkBuffer(c.arrays[w]!, t.rules.nonNegative?.includes(w) ?? false);
    if (why !== undefined) badCheckpoint(`arrays.${w}`, why);
  }
}
