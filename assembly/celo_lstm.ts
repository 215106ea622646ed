// Celo's LSTM scheduler products (src/l2o/celo/scheduler.ts): the matrix–vector products of the
// mixing layers and of the LSTM gates, in f64 over weights re-laid output-major (row j holds the
// n inputs of output j, contiguous). The nonlinearities of the cell (σ, tanh) stay in TypeScript.
//
// Summation order (the same in the SIMD build, the scalar build and
// test/support/reference/celo-lstm.ts, so all three agree bit for bit):
//   e = ((0 + W[j,0]·x[0]) + W[j,2]·x[2]) + …   (even r, plus r = n − 1 when n is odd)
//   o = ((0 + W[j,1]·x[1]) + W[j,3]·x[3]) + …   (odd r)
//   out[j] = b[j] + (e + o)
// In the SIMD build (e, o) are the two lanes of one f64x2 accumulator (a multiply then an add,
// no fused multiply-add), four rows at a time so that four independent add chains are in flight;
// for n = 128 (the gate product) the four rows are addressed by one pointer and immediate offsets
// and the loop takes two pairs per turn (≈ 11 % faster than the generic loop; eight rows at a time
// was slower in V8, in both forms).
// n = 0 gives out = b + 0; rows = 0 writes nothing. Outputs do not alias inputs. No allocation.

/** out[j] = b[j] + (e_j + o_j) for j < rows (order above); W is rows × n, row-major, f64. */
export function celo_gemv_f64(W: usize, b: usize, x: usize, n: i32, rows: i32, out: usize): void {
  gemv(W, b, x, n, rows, out);
}

/**
 * The scheduler's products for one step (scheduler.ts `_rnn_forward` + the gate product of
 * `hk.LSTM`), with H hidden units and nx features:
 *   u = Wm·x + bm                       (2H rows: linear_1 then linear_2)
 *   zh[j] = u[H + j] + max(u[j], 0)     (j < H; zh[H…2H) holds h on entry and is left as is)
 *   gates = Wl·zh + bl                  (4H rows over the 2H inputs [z | h]: i, g, f, o)
 * Buffers (f64): wm 2H·nx, bm 2H, x nx, wl 4H·2H, bl 4H, zh 2H, u 2H, gates 4H.
 */
export function celo_lstm_gates_f64(wm: usize, bm: usize, x: usize, nx: i32, wl: usize, bl: usize, zh: usize, H: i32, u: usize, gates: usize): void {
  gemv(wm, bm, x, nx, 2 * H, u);
  for (let j = 0; j < H; j++) {
    const o = <usize>j << 3;
    store<f64>(zh + o, load<f64>(u + (<usize>(H + j) << 3)) + max<f64>(load<f64>(u + o), 0));
  }
  gemv(wl, bl, zh, 2 * H, 4 * H, gates);
}

// @ts-ignore: decorator
@inline function gemv(W: usize, b: usize, x: usize, n: i32, rows: i32, out: usize): void {
  const rb = <usize>n << 3;
  const pairs = n & ~1;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (n == 128) {
      // The gate product's shape: rows 1 kB apart, so the four rows are one pointer plus immediate offsets.
      for (; j + 4 <= rows; j += 4) {
        const w0 = W + <usize>j * 1024;
        let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
        for (let o: usize = 0; o < 1024; o += 32) {
          const q = w0 + o;
          const xv = v128.load(x + o), xw = v128.load(x + o, 16);
          a0 = f64x2.add(a0, f64x2.mul(v128.load(q), xv));
          a1 = f64x2.add(a1, f64x2.mul(v128.load(q, 1024), xv));
          a2 = f64x2.add(a2, f64x2.mul(v128.load(q, 2048), xv));
          a3 = f64x2.add(a3, f64x2.mul(v128.load(q, 3072), xv));
          a0 = f64x2.add(a0, f64x2.mul(v128.load(q, 16), xw));
          a1 = f64x2.add(a1, f64x2.mul(v128.load(q, 1040), xw));
          a2 = f64x2.add(a2, f64x2.mul(v128.load(q, 2064), xw));
          a3 = f64x2.add(a3, f64x2.mul(v128.load(q, 3088), xw));
        }
        finish(a0, w0, b, x, n, pairs, j, out);
        finish(a1, w0 + 1024, b, x, n, pairs, j + 1, out);
        finish(a2, w0 + 2048, b, x, n, pairs, j + 2, out);
        finish(a3, w0 + 3072, b, x, n, pairs, j + 3, out);
      }
    }
    for (; j + 4 <= rows; j += 4) {
      const w0 = W + <usize>j * rb, w1 = w0 + rb, w2 = w1 + rb, w3 = w2 + rb;
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      for (let r = 0; r < pairs; r += 2) {
        const o = <usize>r << 3;
        const xv = v128.load(x + o);
        a0 = f64x2.add(a0, f64x2.mul(v128.load(w0 + o), xv));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(w1 + o), xv));
        a2 = f64x2.add(a2, f64x2.mul(v128.load(w2 + o), xv));
        a3 = f64x2.add(a3, f64x2.mul(v128.load(w3 + o), xv));
      }
      finish(a0, w0, b, x, n, pairs, j, out);
      finish(a1, w1, b, x, n, pairs, j + 1, out);
      finish(a2, w2, b, x, n, pairs, j + 2, out);
      finish(a3, w3, b, x, n, pairs, j + 3, out);
    }
    for (; j < rows; j++) {
      const w0 = W + <usize>j * rb;
      let a0 = f64x2.splat(0);
      for (let r = 0; r < pairs; r += 2) {
        const o = <usize>r << 3;
        a0 = f64x2.add(a0, f64x2.mul(v128.load(w0 + o), v128.load(x + o)));
      }
      finish(a0, w0, b, x, n, pairs, j, out);
    }
  } else {
    for (; j + 2 <= rows; j += 2) {
      const w0 = W + <usize>j * rb, w1 = w0 + rb;
      let e0: f64 = 0, o0: f64 = 0, e1: f64 = 0, o1: f64 = 0;
      for (let r = 0; r < pairs; r += 2) {
        const o = <usize>r << 3;
        const x0 = load<f64>(x + o), x1 = load<f64>(x + o, 8);
        e0 += load<f64>(w0 + o) * x0;
        o0 += load<f64>(w0 + o, 8) * x1;
        e1 += load<f64>(w1 + o) * x0;
        o1 += load<f64>(w1 + o, 8) * x1;
      }
      finishScalar(e0, o0, w0, b, x, n, pairs, j, out);
      finishScalar(e1, o1, w1, b, x, n, pairs, j + 1, out);
    }
    for (; j < rows; j++) {
      const w0 = W + <usize>j * rb;
      let e0: f64 = 0, o0: f64 = 0;
      for (let r = 0; r < pairs; r += 2) {
        const o = <usize>r << 3;
        e0 += load<f64>(w0 + o) * load<f64>(x + o);
        o0 += load<f64>(w0 + o, 8) * load<f64>(x + o, 8);
      }
      finishScalar(e0, o0, w0, b, x, n, pairs, j, out);
    }
  }
}

/** Row j's output from its (even, odd) lanes: the odd tail r = n − 1 joins the even sum. */
// @ts-ignore: decorator
@inline function finish(a: v128, w: usize, b: usize, x: usize, n: i32, pairs: i32, j: i32, out: usize): void {
  finishScalar(f64x2.extract_lane(a, 0), f64x2.extract_lane(a, 1), w, b, x, n, pairs, j, out);
}

// @ts-ignore: decorator
@inline function finishScalar(e: f64, o: f64, w: usize, b: usize, x: usize, n: i32, pairs: i32, j: i32, out: usize): void {
  if (pairs < n) {
    const t = <usize>pairs << 3;
    e += load<f64>(w + t) * load<f64>(x + t);
  }
  const jo = <usize>j << 3;
  store<f64>(out + jo, load<f64>(b + jo) + (e + o));
}
