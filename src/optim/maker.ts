import { crc32Hex } from '../core/crc32.js';
/** A schedule (types.ts `Schedule`; repeated here so that maker.ts imports nothing of optim). */
type Schedule = (count: number) => number;

// Who made a state: the optimizer's kind, a fingerprint of its hyper-parameters and the state's
// layout (buffer and scalar names). `step`, `wouldUpdate` and `restore` compare them.

/** The maker of a state (recorded in the state and, as kind + hash + layout, in checkpoints). */
export interface StateMaker {
  /** The optimizer's name (`sgd`, `eve`, `chain(scaleByAdam,scaleByLearningRate)`, `mlp-lopt`, …). */
  readonly kind: string;
  /**
   * The hyper-parameters in canonical form: keys sorted, numbers exact (`String(x)`, `-0`
   * kept), schedules by their description (`cosineDecay({"alpha":0,…})`), other functions by
   * a CRC-32 of their source text. `nonFinite` is left out: it is a policy for bad inputs, not
   * part of the update, and states move freely between policies.
   */
  readonly hyperKey: string;
  /** CRC-32 of `hyperKey`, 8 hex digits: the "hyper-parameter hash" shown in errors and checkpoints. */
  readonly hash: string;
  /** Buffers, then scalars: `params,grads,m,v|count,skipped`. */
  readonly layout: string;
  /**
   * `kind`, `hyperKey` and `layout`, plus the identity of every untagged function hyper-parameter
   * (two closures with the same source text may capture different values): equal `identity`
   * means the two optimizers may share states.
   */
  readonly identity: string;
}

const described = new WeakMap<Function, string>();
const identities = new WeakMap<Function, number>();
let nextIdentity = 1;

/**
 * Records what a schedule function computes, so that two schedules made by the same factory
 * with the same arguments count as equal hyper-parameters (`cosineDecay({ init: 0.1,
 * decaySteps: 100 })` made twice). Returns `fn`. Functions without a description are compared
 * by identity within a process and by source text across processes (checkpoints).
 */
export function describeSchedule<F extends Schedule>(fn: F, factory: string, args: unknown): F {
  described.set(fn, `${factory}(${canonical(args, false)})`);
  return fn;
}

function fnIdentity(f: Function): number {
  let id = identities.get(f);
  if (id === undefined) identities.set(f, (id = nextIdentity++));
  return id;
}

/** Canonical text of a hyper-parameter value (see `StateMaker.hyperKey`). */
function canonical(v: unknown, withIdentity: boolean): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'function') {
    const d = described.get(v);
    if (d !== undefined) return d;
    return `fn:${crc32Hex(String(v))}${withIdentity ? `#${fnIdentity(v)}` : ''}`;
  }
  if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    return `[${Array.from(a, (x) => canonical(x, false)).join(',')}]`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, withIdentity)).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k], withIdentity)}`).join(',')}}`;
  }
  return String(v);
}

/** The canonical hyper-parameter text of `hyperparams` (without `nonFinite`). */
export function hyperKeyOf(hyperparams: Readonly<Record<string, unknown>>, withIdentity = false): string {
  const { nonFinite: _policy, ...rest } = hyperparams;
  return canonical(rest, withIdentity);
}

/** Builds the maker record of an optimizer. */
export function stateMaker(kind: string, hyperparams: Readonly<Record<string, unknown>>, buffers: readonly string[], scalars: readonly string[]): StateMaker {
  const hyperKey = hyperKeyOf(hyperparams);
  const layout = `${buffers.join(',')}|${scalars.join(',')}`;
  return {
    kind,
    hyperKey,
    hash: crc32Hex(hyperKey),
    layout,
    identity: `${kind}\u0000${hyperKeyOf(hyperparams, true)}\u0000${layout}`,
  };
}

/** One line naming a maker in errors: `sgd (hyper-parameters 1a2b3c4d: {…}; buffers params,grads)`. */
export function describeMaker(m: StateMaker): string {
  const h = m.hyperKey.length > 160 ? `${m.hyperKey.slice(0, 157)}…` : m.hyperKey;
  return `${m.kind} (hyper-parameter hash ${m.hash}: ${h}; layout ${m.layout})`;
}

/** A hyper-parameter value as checkpoints store it in JSON: plain when JSON keeps it exact. */
export type PortableValue = number | string | boolean | null | { $: string };

/**
 * The hyper-parameters in checkpoint form (without `nonFinite`): finite numbers (not −0),
 * strings, booleans and null as they are; anything else (schedules, ±Infinity, NaN, −0,
 * arrays) as `{ $: canonical text }`. `portableText` of each value is its canonical text.
 */
export function portableHyper(hyperparams: Readonly<Record<string, unknown>>): Record<string, PortableValue> {
  const out: Record<string, PortableValue> = {};
  for (const k of Object.keys(hyperparams).sort()) {
    const v = hyperparams[k];
    if (k === 'nonFinite' || v === undefined) continue;
    if (isBox(v)) {
      out[k] = v; // already portable (a record read back from a checkpoint)
      continue;
    }
    const plain = (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) || typeof v === 'string' || typeof v === 'boolean' || v === null;
    out[k] = plain ? (v as PortableValue) : { $: canonical(v, false) };
  }
  return out;
}

function isBox(v: unknown): v is { $: string } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.keys(v).length === 1 && typeof (v as { $?: unknown }).$ === 'string';
}

/** The canonical text of one value of a `portableHyper` record (as read back from JSON). */
export function portableText(v: unknown): string {
  return isBox(v) ? v.$ : canonical(v, false);
}

/** The `hyperKey` of a `portableHyper` record (equal to the optimizer's own `hyperKey`). */
export function portableKey(p: Readonly<Record<string, unknown>>): string {
  return `{${Object.keys(p).filter((k) => k !== 'nonFinite').sort().map((k) => `${JSON.stringify(k)}:${portableText(p[k])}`).join(',')}}`;
}

/** The keys whose canonical texts differ between two `portableHyper` records. */
export function differingKeys(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('nonFinite');
  const text = (r: Readonly<Record<string, unknown>>, k: string) => (k in r ? portableText(r[k]) : '(absent)');
  return [...keys].filter((k) => text(a, k) !== text(b, k)).sort();
}
