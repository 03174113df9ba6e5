// Checks every kernel variant of cpu_pool.c against a plain reference loop, bit for bit, for many dims and bag
// shapes (empty bags included). Built and run by `make test` in Maven's test phase, under ASan/UBSan.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu_pool.c"

static void reference(const float *w, int d, const int *idx, const int *off, int bags, float *out, int stride) {
  for (int b = 0; b < bags; b++)
    for (int c = 0; c < d; c++) {
      float s = 0.0f;
      for (int k = off[b]; k < off[b + 1]; k++) s += w[(long)idx[k] * d + c];
      out[(long)b * stride + c] = s;
    }
}

int main(void) {
  static const int dims[] = {1, 3, 8, 15, 16, 24, 32, 40, 64, 72, 128, 136};
  pool_fn kernels[2] = {pool_generic, NULL};
  const char *names[2] = {"generic", "avx2"};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) kernels[1] = pool_avx2;
#endif
  unsigned seed = 7;
  int checked = 0;
  for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
    int d = dims[di], rows = 97, bags = 23, stride = d * 3 + 1;
    float *w = malloc(sizeof(float) * rows * d);
    for (int i = 0; i < rows * d; i++) w[i] = (float)(rand_r(&seed) % 20001 - 10000) / 997.0f;
    int off[24], idx[23 * 9];
    off[0] = 0;
    for (int b = 0; b < bags; b++) {
      int n = b % 5 == 2 ? 0 : 1 + rand_r(&seed) % 9;
      for (int k = 0; k < n; k++) idx[off[b] + k] = rand_r(&seed) % rows;
      off[b + 1] = off[b] + n;
    }
    float *want = calloc((size_t)bags * stride, sizeof(float));
    float *got = calloc((size_t)bags * stride, sizeof(float));
    reference(w, d, idx, off, bags, want, stride);
    for (int v = 0; v < 2; v++) {
      if (!kernels[v]) continue;
      memset(got, 0x7f, sizeof(float) * bags * stride);
      kernels[v](w, d, idx, off, bags, got, stride);
      for (int b = 0; b < bags; b++)
        if (memcmp(got + (long)b * stride, want + (long)b * stride, sizeof(float) * d) != 0) {
          fprintf(stderr, "pool_test: %s kernel differs from the reference at dim %d, bag %d\n", names[v], d, b);
          return 1;
        }
      checked++;
    }
    free(w);
    free(want);
    free(got);
  }
  printf("pool_test: %d kernel/dim combinations bit-identical to the reference (avx2 %s)\n", checked,
         kernels[1] ? "tested" : "not supported here");
  return 0;
}
