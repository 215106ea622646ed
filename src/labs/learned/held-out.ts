import type { DigitsMlpConfig, DigitsMlpFamily } from '../../tasks/digits.js';

/**
 * The held-out tasks of `lab learned`: task i is `family.sample(HELD_OUT_BASE_SEED + i)` (a
 * sampling seed meta-training never uses: it draws its task seeds below 2¹⁶, see
 * l2o/pretrain/pretrain.ts) with every hidden width replaced by 24, 48 or 96 (i mod 3): widths
 * outside the family's {16, 32, 64, 128}. Depth, activation, batch norm, batch size and stream
 * seed are as sampled.
 */
export const HELD_OUT_BASE_SEED = 1_000_000;
export const HELD_OUT_WIDTHS = [24, 48, 96] as const;

/** The first `count` held-out configurations (see above). */
export function heldOutDigitsConfigs(family: DigitsMlpFamily, count: number): DigitsMlpConfig[] {
  return Array.from({ length: count }, (_, i) => {
    const c = family.sample(HELD_OUT_BASE_SEED + i);
    const w = HELD_OUT_WIDTHS[i % HELD_OUT_WIDTHS.length]!;
    return { ...c, hidden: c.hidden.map(() => w) };
  });
}

/** "24-24 tanh+BN b128": the hidden widths, activation, batch norm and batch size of a task. */
export function describeConfig(c: DigitsMlpConfig): string {
  return `${c.hidden.join('-')} ${c.activation}${c.batchNorm ? '+BN' : ''} b${c.batchSize}`;
}
