/*
 * The ceiling of 2-lane f64 arithmetic without fused multiply-add, for scripts/covariance-speed.mjs:
 * the micro-kernel of assembly/covariance.ts (`syrk_packed_f64`: 4 × 4 tiles of packed panels,
 * 8 f64x2 accumulators, 2 loads + 4 splat loads per row, sequential row order) written in C with
 * SSE3 intrinsics and compiled with -O2 -msse3 -mno-fma -ffp-contract=off, so that the compiler
 * uses exactly the operations WebAssembly SIMD has (mulpd, addpd, movddup). It times the SYRK
 * alone (the panels are filled once), like the script's "syrk_packed_f64 alone" row.
 * The script also builds it with -O3 -mavx -mno-fma -funroll-loops: the same three 2-lane
 * operations, VEX-encoded (three operands, no register copies) and unrolled by two rows.
 *
 * usage: syrk-sse2 <T> <d> <time-ms>   (d a multiple of 4)
 * prints "min <fastest call, ms> calls <k> checksum <x>"
 */
#include <pmmintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void syrk(double *out, const double *pk, int n, int len, double s) {
  int panels = n / 4;
  for (int ip = 0; ip < panels; ip++) {
    for (int jp = ip; jp < panels; jp++) {
      const double *a = pk + (size_t)ip * len * 4, *b = pk + (size_t)jp * len * 4;
      __m128d c00 = _mm_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      for (int t = 0; t < len; t++, a += 4, b += 4) {
        __m128d a0 = _mm_loadu_pd(a), a1 = _mm_loadu_pd(a + 2), bb;
        bb = _mm_loaddup_pd(b);     c00 = _mm_add_pd(c00, _mm_mul_pd(a0, bb)); c01 = _mm_add_pd(c01, _mm_mul_pd(a1, bb));
        bb = _mm_loaddup_pd(b + 1); c10 = _mm_add_pd(c10, _mm_mul_pd(a0, bb)); c11 = _mm_add_pd(c11, _mm_mul_pd(a1, bb));
        bb = _mm_loaddup_pd(b + 2); c20 = _mm_add_pd(c20, _mm_mul_pd(a0, bb)); c21 = _mm_add_pd(c21, _mm_mul_pd(a1, bb));
        bb = _mm_loaddup_pd(b + 3); c30 = _mm_add_pd(c30, _mm_mul_pd(a0, bb)); c31 = _mm_add_pd(c31, _mm_mul_pd(a1, bb));
      }
      double w[16];
      _mm_storeu_pd(w, c00); _mm_storeu_pd(w + 2, c01); _mm_storeu_pd(w + 4, c10); _mm_storeu_pd(w + 6, c11);
      _mm_storeu_pd(w + 8, c20); _mm_storeu_pd(w + 10, c21); _mm_storeu_pd(w + 12, c30); _mm_storeu_pd(w + 14, c31);
      for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) {
          double v = s * w[r * 4 + q];
          out[(size_t)(jp * 4 + r) * n + ip * 4 + q] = v;
          out[(size_t)(ip * 4 + q) * n + jp * 4 + r] = v;
        }
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <T> <d> <time-ms>\n", argv[0]);
    return 2;
  }
  int T = atoi(argv[1]), d = atoi(argv[2]);
  double budget = atof(argv[3]);
  if (T <= 0 || d <= 0 || d % 4 || !(budget > 0)) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  double *pk = malloc(sizeof(double) * T * d), *c = malloc(sizeof(double) * d * d);
  if (!pk || !c) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  unsigned s = 12345;
  for (size_t i = 0; i < (size_t)T * d; i++) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    pk[i] = (double)s / 4294967296.0 * 2 - 1;
  }
  double best = 1e300, t0 = now_ms();
  size_t k = 0;
  while (k < 3 || now_ms() - t0 < budget) {
    double a = now_ms();
    syrk(c, pk, d, T, 1.0 / T);
    double e = now_ms() - a;
    if (e < best) best = e;
    k++;
  }
  double sum = 0;
  for (size_t i = 0; i < (size_t)d * d; i++) sum += c[i];
  printf("min %.6g calls %zu checksum %.9g\n", best, k, sum);
  return 0;
}
