/*
 * OpenBLAS competitor for the covariance benchmark (bench/suites/stats.ts): the same work
 * as metaoptim's covariance() — column means, centring into a T × d buffer, then
 * C = XcᵀXc / T through cblas_dsyrk (upper triangle) and mirroring to a full d × d matrix.
 * Built by the suite with `cc -O3 -march=native … -lopenblas` when Debian's
 * libopenblas-dev is installed; run with OPENBLAS_NUM_THREADS set by the suite.
 *
 * usage: covariance <T> <d> <time-ms>
 * Same protocol as optimizers.c: warm-up for a quarter of the budget, then every call is
 * timed separately (at least 3) and "hz <1e3 / median ms> calls <k> checksum <x> min <ms>"
 * printed (min = the fastest call, read by scripts/covariance-speed.mjs).
 */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void covariance(const double *x, double *xc, double *mean, double *c, int T, int d) {
  for (int i = 0; i < d; i++) mean[i] = 0;
  for (int t = 0; t < T; t++)
    for (int i = 0; i < d; i++) mean[i] += x[(size_t)t * d + i];
  for (int i = 0; i < d; i++) mean[i] /= T;
  for (int t = 0; t < T; t++)
    for (int i = 0; i < d; i++) xc[(size_t)t * d + i] = x[(size_t)t * d + i] - mean[i];
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, T, 1.0 / T, xc, d, 0.0, c, d);
  for (int i = 0; i < d; i++)
    for (int j = i + 1; j < d; j++) c[(size_t)j * d + i] = c[(size_t)i * d + j];
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <T> <d> <time-ms>\n", argv[0]);
    return 2;
  }
  int T = atoi(argv[1]), d = atoi(argv[2]);
  double budget = atof(argv[3]);
  if (T <= 0 || d <= 0 || !(budget > 0)) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  double *x = malloc(sizeof(double) * T * d), *xc = malloc(sizeof(double) * T * d);
  double *c = malloc(sizeof(double) * d * d), *mean = malloc(sizeof(double) * d);
  size_t cap = 1 << 16, k = 0;
  double *lat = malloc(cap * sizeof(double));
  if (!x || !xc || !c || !mean || !lat) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  uint32_t s = 12345;
  for (size_t i = 0; i < (size_t)T * d; i++) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    x[i] = (double)s / 4294967296.0 * 2 - 1;
  }
  double t0 = now_ms();
  int warm = 0;
  while (warm < 2 || now_ms() - t0 < budget / 4) covariance(x, xc, mean, c, T, d), warm++;
  t0 = now_ms();
  while (k < 3 || (now_ms() - t0 < budget && k < cap)) {
    double a = now_ms();
    covariance(x, xc, mean, c, T, d);
    lat[k++] = now_ms() - a;
  }
  qsort(lat, k, sizeof(double), cmp);
  double med = k % 2 ? lat[k / 2] : 0.5 * (lat[k / 2 - 1] + lat[k / 2]);
  double sum = 0;
  for (size_t i = 0; i < (size_t)d * d; i++) sum += c[i];
  printf("hz %.6g calls %zu checksum %.9g min %.6g\n", 1e3 / med, k, sum, lat[0]);
  return 0;
}
