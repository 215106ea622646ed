/*
 * Native reference for the optimizer benchmark (bench/suites/optimizers.ts): the same
 * fused loops as assembly/moments.ts, in the same f32 operation order, compiled by the
 * suite with `cc -O3 -march=native -ffp-contract=off -fno-math-errno` (no FMA
 * contraction, so the arithmetic is the WebAssembly kernels'; -fno-math-errno only lets
 * the compiler vectorize sqrtf, which never sees a negative argument here).
 *
 * usage: optimizers <adam|adamw|eve|lion|momentum> <n> <time-ms>
 * Runs warm-up steps for a quarter of the budget, then times every step separately until
 * the budget is spent (at least 3 steps) and prints "hz <1e3 / median ms> steps <k>
 * checksum <x>". The checksum (sum of the parameters) keeps the work observable.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  float *p, *g, *m, *v;
  int n;
  long count;
} state_t;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* Same update as adam_f32 (l2 = 0; wd selects AdamW's decoupled decay). */
__attribute__((noinline)) static void adam_loop(float *restrict p, const float *restrict g, float *restrict m,
                                                float *restrict v, int n, float b1, float ob1, float b2, float ob2,
                                                float c1, float r2, float eps, float wd, float lr) {
  if (wd != 0.0f) {
    for (int i = 0; i < n; i++) {
      float pi = p[i], gi = g[i];
      float mi = b1 * m[i] + ob1 * gi;
      float vi = b2 * v[i] + ob2 * (gi * gi);
      float u = (mi * c1) / (sqrtf(vi) * r2 + eps);
      u = u + wd * pi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi - lr * u;
    }
  } else {
    for (int i = 0; i < n; i++) {
      float pi = p[i], gi = g[i];
      float mi = b1 * m[i] + ob1 * gi;
      float vi = b2 * v[i] + ob2 * (gi * gi);
      float u = (mi * c1) / (sqrtf(vi) * r2 + eps);
      m[i] = mi;
      v[i] = vi;
      p[i] = pi - lr * u;
    }
  }
}

__attribute__((noinline)) static void lion_loop(float *restrict p, const float *restrict g, float *restrict m, int n,
                                                float b1, float ob1, float b2, float ob2, float lr) {
  for (int i = 0; i < n; i++) {
    float pi = p[i], gi = g[i], mi = m[i];
    float c = b1 * mi + ob1 * gi;
    float u = (float)(c > 0.0f) - (float)(c < 0.0f); /* sign, sign(0) = 0, branch-free */
    p[i] = pi - lr * u;
    m[i] = b2 * mi + ob2 * gi;
  }
}

__attribute__((noinline)) static void momentum_loop(float *restrict p, const float *restrict g, float *restrict t, int n,
                                                    float mu, float lr) {
  for (int i = 0; i < n; i++) {
    float ti = mu * t[i] + g[i];
    t[i] = ti;
    p[i] = p[i] - lr * ti;
  }
}

/* Eve (clip variant) feedback, in double like src/optim/eve.ts. */
static double eve_d = 1.0, eve_fprev = NAN;
static double eve_feedback(double loss) {
  if (!isnan(eve_fprev)) {
    double lo = loss < eve_fprev ? loss : eve_fprev;
    double den = lo > 2.2250738585072014e-308 ? lo : 2.2250738585072014e-308;
    double dt = fabs(loss - eve_fprev) / den;
    double dh = dt < 0.1 ? 0.1 : dt > 10.0 ? 10.0 : dt;
    eve_d = 0.999 * eve_d + (1 - 0.999) * dh;
  }
  eve_fprev = loss;
  return eve_d;
}

static int kind;
enum { ADAM, ADAMW, EVE, LION, MOMENTUM };

static void step(state_t *s) {
  double t = (double)(s->count + 1);
  if (kind == LION) {
    lion_loop(s->p, s->g, s->m, s->n, 0.9f, (float)(1 - 0.9), 0.99f, (float)(1 - 0.99), 1e-4f);
  } else if (kind == MOMENTUM) {
    momentum_loop(s->p, s->g, s->m, s->n, 0.9f, 1e-2f);
  } else {
    double c1 = 1 / (1 - pow(0.9, t)), r2 = 1 / sqrt(1 - pow(0.999, t));
    float wd = kind == ADAMW ? 1e-2f : 0.0f;
    if (kind == EVE) c1 /= eve_feedback(1.0 + 0.5 * (double)(s->count & 1));
    adam_loop(s->p, s->g, s->m, s->v, s->n, 0.9f, (float)(1 - 0.9), 0.999f, (float)(1 - 0.999), (float)c1, (float)r2,
              1e-8f, wd, 1e-3f);
  }
  s->count++;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static float *buffer(int n) {
  float *x = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64);
  if (!x) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return x;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <adam|adamw|eve|lion|momentum> <n> <time-ms>\n", argv[0]);
    return 2;
  }
  const char *names[] = {"adam", "adamw", "eve", "lion", "momentum"};
  kind = -1;
  for (int i = 0; i < 5; i++)
    if (strcmp(argv[1], names[i]) == 0) kind = i;
  int n = atoi(argv[2]);
  double budget = atof(argv[3]);
  if (kind < 0 || n <= 0 || !(budget > 0)) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  state_t s = {buffer(n), buffer(n), buffer(n), buffer(n), n, 0};
  uint32_t x = 12345;
  for (int i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s.p[i] = (float)((double)x / 4294967296.0 * 2 - 1);
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s.g[i] = (float)((double)x / 4294967296.0 * 2 - 1);
    s.m[i] = 0, s.v[i] = 0;
  }
  double t0 = now_ms();
  int warm = 0;
  while (warm < 2 || now_ms() - t0 < budget / 4) step(&s), warm++;
  size_t cap = 1 << 16, k = 0;
  double *lat = malloc(cap * sizeof(double));
  t0 = now_ms();
  while (k < 3 || (now_ms() - t0 < budget && k < cap)) {
    double a = now_ms();
    step(&s);
    lat[k++] = now_ms() - a;
  }
  qsort(lat, k, sizeof(double), cmp);
  double med = k % 2 ? lat[k / 2] : 0.5 * (lat[k / 2 - 1] + lat[k / 2]);
  double sum = 0;
  for (int i = 0; i < n; i++) sum += s.p[i];
  printf("hz %.6g steps %zu checksum %.9g\n", 1e3 / med, k, sum);
  return 0;
}
