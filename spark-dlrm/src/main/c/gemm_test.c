// Every GEMM variant of cpu_gemm.c against the in-order fma() reference, bit for bit, over shapes that hit every
// block and tail (rows not a multiple of the row block, columns not a multiple of the vector width, out = 1), under
// AddressSanitizer/UBSan (make test). `gemm_test bench` also times the variants on the DLRM benchmark's layers.
#include "cpu_gemm.c"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static float frand(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void reference(int n, int in, int out, const float *x, const float *w, const float *b, float *y) {
  for (int r = 0; r < n; r++)
    for (int c = 0; c < out; c++) {
      float s = b[c];
      for (int i = 0; i < in; i++) s = fmaf(x[r * in + i], w[i * out + c], s);
      y[r * out + c] = s;
    }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  static const char *names[] = {"generic", "avx2", "avx512"};
  static const int ns[] = {1, 5, 6, 7, 12, 13, 64, 95, 96, 97, 200}, ins[] = {1, 13, 16, 367}, outs[] = {1, 15, 16, 17, 31, 32, 33, 64, 100, 512};
  unsigned seed = 1;
  if (argc > 1 && !strcmp(argv[1], "bench")) {
    static const int layers[][2] = {{13, 512}, {512, 256}, {256, 64}, {64, 16}, {367, 512}, {512, 256}, {256, 1}};
    int n = argc > 2 ? atoi(argv[2]) : 2048;
    for (int v = 0; v < 3; v++) {
      gemm_fn fn = sf_gemm_variant(names[v]);
      if (!fn) continue;
      double flops = 0, t0 = now();
      int reps = 0;
      while (now() - t0 < 1.0) {
        for (int l = 0; l < 7; l++) {
          int in = layers[l][0], out = layers[l][1];
          static float x[2048 * 512], w[512 * 512], b[512], y[2048 * 512];
          fn(n, in, out, x, w, b, y);
          flops += 2.0 * n * in * out;
        }
        reps++;
      }
      printf("%-8s batch %d: %.1f GFLOP/s, %.3f ms per MLP pass\n", names[v], n, flops / (now() - t0) / 1e9, (now() - t0) / reps * 1e3);
    }
    return 0;
  }
  int checked = 0;
  for (unsigned a = 0; a < sizeof ns / sizeof *ns; a++)
    for (unsigned c = 0; c < sizeof ins / sizeof *ins; c++)
      for (unsigned d = 0; d < sizeof outs / sizeof *outs; d++) {
        int n = ns[a], in = ins[c], out = outs[d];
        float *x = malloc(sizeof(float) * n * in), *w = malloc(sizeof(float) * in * out), *b = malloc(sizeof(float) * out);
        float *want = malloc(sizeof(float) * n * out), *got = malloc(sizeof(float) * n * out);
        for (int k = 0; k < n * in; k++) x[k] = frand(&seed);
        for (int k = 0; k < in * out; k++) w[k] = frand(&seed);
        for (int k = 0; k < out; k++) b[k] = frand(&seed);
        reference(n, in, out, x, w, b, want);
        for (int v = 0; v < 3; v++) {
          gemm_fn fn = sf_gemm_variant(names[v]);
          if (!fn) continue;
          memset(got, 0xff, sizeof(float) * n * out);
          fn(n, in, out, x, w, b, got);
          if (memcmp(want, got, sizeof(float) * n * out)) {
            fprintf(stderr, "gemm_test: %s differs from the reference at n=%d in=%d out=%d\n", names[v], n, in, out);
            return 1;
          }
          checked++;
        }
        free(x); free(w); free(b); free(want); free(got);
      }
  printf("gemm_test: %d variant x shape cases bit-identical to the in-order fma reference (%s chosen here)\n", checked,
         ({ const char *nm; chosen(&nm); nm; }));
  return 0;
}
