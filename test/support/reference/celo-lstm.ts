// Plain-TS reference of assembly/celo_lstm.ts (Celo's LSTM scheduler products), in the kernels'
// summation order, so that both WebAssembly builds agree with it bit for bit:
//   e = ((0 + W[j,0]·x[0]) + W[j,2]·x[2]) + …   (even r, then r = n − 1 when n is odd)
//   o = ((0 + W[j,1]·x[1]) + W[j,3]·x[3]) + …   (odd r)
//   out[j] = b[j] + (e + o)

/** `celo_gemv_f64`: out[j] = b[j] + (e_j + o_j), W rows × n row-major. */
export function celoGemvRef(W: ArrayLike<number>, b: ArrayLike<number>, x: ArrayLike<number>, n: number, rows: number): Float64Array {
  const out = new Float64Array(rows);
  const pairs = n & ~1;
  for (let j = 0; j < rows; j++) {
    let e = 0, o = 0;
    for (let r = 0; r < pairs; r += 2) {
      e += W[j * n + r]! * x[r]!;
      o += W[j * n + r + 1]! * x[r + 1]!;
    }
    if (pairs < n) e += W[j * n + pairs]! * x[pairs]!;
    out[j] = b[j]! + (e + o);
  }
  return out;
}

/**
 * `celo_lstm_gates_f64`: u = Wm·x + bm (2H rows), z[j] = u[H + j] + max(u[j], 0),
 * gates = Wl·[z | h] + bl (4H rows). Returns u, zh = [z | h] and gates.
 */
export function celoLstmGatesRef(
  wm: ArrayLike<number>, bm: ArrayLike<number>, x: ArrayLike<number>, nx: number,
  wl: ArrayLike<number>, bl: ArrayLike<number>, h: ArrayLike<number>, H: number,
): { u: Float64Array; zh: Float64Array; gates: Float64Array } {
  const u = celoGemvRef(wm, bm, x, nx, 2 * H);
  const zh = new Float64Array(2 * H);
  for (let j = 0; j < H; j++) {
    zh[j] = u[H + j]! + Math.max(u[j]!, 0);
    zh[H + j] = h[j]!;
  }
  return { u, zh, gates: celoGemvRef(wl, bl, zh, 2 * H, 4 * H) };
}
