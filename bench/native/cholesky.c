// Native C reference for the Cholesky factor+solve bench (issue 5 goal: ≥ 90 % of a native C loop).
// Same algorithm as assembly/linalg.ts without SIMD; CPU time (getrusage), best of 9 runs.
// Build and run: gcc -O2 -o /tmp/chol bench/native/cholesky.c -lm && /tmp/chol
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
static void factor(double *a, int n) {
  for (int i = 0; i < n; i++) {
    double *ri = a + i * n;
    for (int j = 0; j < i; j++) {
      double *rj = a + j * n, s = 0;
      for (int k = 0; k < j; k++) s += ri[k] * rj[k];
      ri[j] = (ri[j] - s) / rj[j];
    }
    double d = ri[i];
    for (int k = 0; k < i; k++) d -= ri[k] * ri[k];
    ri[i] = sqrt(d);
  }
}
static void solve(const double *l, int n, double *x) {
  for (int i = 0; i < n; i++) { double s = x[i]; for (int k = 0; k < i; k++) s -= l[i * n + k] * x[k]; x[i] = s / l[i * n + i]; }
  for (int i = n - 1; i >= 0; i--) { double xi = x[i] / l[i * n + i]; x[i] = xi; for (int k = 0; k < i; k++) x[k] -= xi * l[i * n + k]; }
}
static double cpu(void) { struct rusage r; getrusage(RUSAGE_SELF, &r); return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec; }
int main(void) {
  int sizes[2] = {32, 128};
  for (int si = 0; si < 2; si++) {
    int n = sizes[si];
    double *A = malloc(sizeof(double) * n * n), *M = malloc(sizeof(double) * n * n), *L = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n), *x = malloc(sizeof(double) * n);
    srand(1);
    for (int i = 0; i < n * n; i++) M[i] = (rand() / (double)RAND_MAX) - 0.5;
    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { double s = 0; for (int k = 0; k < n; k++) s += M[k * n + i] * M[k * n + j]; A[i * n + j] = s / n + (i == j); }
    for (int i = 0; i < n; i++) b[i] = rand() / (double)RAND_MAX;
    int reps = n == 32 ? 20000 : 500;
    double best = 1e30, sink = 0;
    for (int r = 0; r < 9; r++) {
      double t0 = cpu();
      for (int q = 0; q < reps; q++) { memcpy(L, A, sizeof(double) * n * n); memcpy(x, b, sizeof(double) * n); factor(L, n); solve(L, n, x); sink += x[0]; }
      double t = (cpu() - t0) / reps; if (t < best) best = t;
    }
    printf("n=%d native-c %.2f us (sink %g)\n", n, best, sink);
  }
  return 0;
}
