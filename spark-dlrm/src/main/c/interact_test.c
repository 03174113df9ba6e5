// Every dot-interaction variant of cpu_interact.c against the Java loop's arithmetic (s = 0; s += a * b, no fused
// multiply-add), bit for bit, for row counts around the lane widths, with and without self-interaction, under
// AddressSanitizer/UBSan (make test). `interact_test bench [N]` times the variants on the benchmark's shape.
#include "cpu_interact.c"
#include <stdio.h>
#include <time.h>

static float frand(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  static const char *names[] = {"generic", "avx2", "avx512"};
  unsigned seed = 7;
  if (argc > 1 && !strcmp(argv[1], "bench")) {
    int n = argc > 2 ? atoi(argv[2]) : 2048, t = 26, d = 16, top_in = d + 27 * 26 / 2;
    float *x = malloc(sizeof(float) * n * d), *p = malloc(sizeof(float) * n * t * d), *r = malloc(sizeof(float) * n * top_in);
    float *tr = aligned_alloc(64, sizeof(float) * 27 * 16 * 16);
    for (int k = 0; k < n * d; k++) x[k] = frand(&seed);
    for (int k = 0; k < n * t * d; k++) p[k] = frand(&seed);
    for (int v = 0; v < 3; v++) {
      interact_fn fn = sf_interact_variant(names[v]);
      if (!fn) continue;
      double t0 = now();
      int reps = 0;
      while (now() - t0 < 1.0) { fn(n, t, d, 0, x, p, r, top_in, tr); reps++; }
      printf("%-8s %d rows: %.3f ms\n", names[v], n, (now() - t0) / reps * 1e3);
    }
    return 0;
  }
  static const int ns[] = {1, 7, 8, 9, 15, 16, 17, 33, 100}, ts[] = {0, 1, 3, 26}, ds[] = {1, 4, 16, 17, 64};
  int checked = 0;
  for (unsigned a = 0; a < sizeof ns / sizeof *ns; a++)
    for (unsigned b = 0; b < sizeof ts / sizeof *ts; b++)
      for (unsigned c = 0; c < sizeof ds / sizeof *ds; c++)
        for (int self = 0; self <= 1; self++) {
          int n = ns[a], t = ts[b], d = ds[c];
          int top_in = d + (t + 1) * (t + 2 * self) / 2;
          float *x = malloc(sizeof(float) * n * d), *p = malloc(sizeof(float) * (n * t * d + 1));
          float *want = malloc(sizeof(float) * n * top_in), *got = malloc(sizeof(float) * n * top_in);
          float *tr = aligned_alloc(64, ((sizeof(float) * (t + 1) * d * 16) + 63) / 64 * 64);
          for (int k = 0; k < n * d; k++) x[k] = frand(&seed);
          for (int k = 0; k < n * t * d; k++) p[k] = frand(&seed);
          interact_rows_scalar(0, n, t, d, self, x, p, want, top_in);
          for (int v = 1; v < 3; v++) {
            interact_fn fn = sf_interact_variant(names[v]);
            if (!fn) continue;
            memset(got, 0xff, sizeof(float) * n * top_in);
            fn(n, t, d, self, x, p, got, top_in, tr);
            if (memcmp(want, got, sizeof(float) * n * top_in)) {
              fprintf(stderr, "interact_test: %s differs at n=%d t=%d d=%d self=%d\n", names[v], n, t, d, self);
              return 1;
            }
            checked++;
          }
          free(x); free(p); free(want); free(got); free(tr);
        }
  const char *nm = "generic";
  interact_chosen(&nm);
  printf("interact_test: %d variant x shape cases bit-identical to the Java loop's arithmetic (%s chosen here)\n",
         checked, nm);
  return 0;
}
