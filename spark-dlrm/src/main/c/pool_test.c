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

// The bounds check in front of the kernels (pool_check), under ASan: every array is allocated at exactly the
// length the check is told, so a read one element past any of them aborts the test. Out-of-range ids (rows, -1,
// INT_MAX, INT_MIN, at the start, middle and end of the batch) must be reported as k + 1 with nothing pooled, and
// wrong geometry (table past the array, decreasing or overlong offsets, output too small) as -1.
static int checked_pool(pool_fn kernel, const float *w, int64_t w_len, int64_t first, int64_t rows, int d,
                        const int *idx, int64_t idx_len, const int *off, int64_t off_len, int bags, float *out,
                        int64_t out_len, int stride) {
  int64_t rc = pool_check(w_len, first, rows, d, idx, idx_len, off, off_len, bags, out_len, stride, 0);
  if (rc == 0) kernel(w + first, d, idx, off, bags, out, stride);
  return (int)rc;
}

static int bounds_tests(pool_fn kernel, const char *name) {
  const int d = 16, rows = 97, bags = 5;
  const int64_t w_len = (int64_t)rows * d + 3;
  float *w = malloc(sizeof(float) * (size_t)w_len);
  for (int64_t i = 0; i < w_len; i++) w[i] = (float)i;
  int *off = malloc(sizeof(int) * (bags + 1));
  int *idx = malloc(sizeof(int) * 20);
  float *out = malloc(sizeof(float) * (size_t)bags * d);
  static const int bad_ids[] = {97, -1, 2147483647, (-2147483647 - 1), 98, 1 << 30};
  static const int positions[] = {0, 7, 19};
  int failures = 0;
  for (int b = 0; b <= bags; b++) off[b] = b * 4;
  for (size_t bi = 0; bi < sizeof bad_ids / sizeof bad_ids[0]; bi++)
    for (size_t pi = 0; pi < sizeof positions / sizeof positions[0]; pi++) {
      for (int k = 0; k < 20; k++) idx[k] = (k * 13) % rows;
      idx[positions[pi]] = bad_ids[bi];
      memset(out, 0x7f, sizeof(float) * (size_t)bags * d);
      int rc = checked_pool(kernel, w, w_len, 3, rows, d, idx, 20, off, bags + 1, bags, out, (int64_t)bags * d, d);
      if (rc != positions[pi] + 1) {
        fprintf(stderr, "pool_test: %s: id %d at %d gave rc %d\n", name, bad_ids[bi], positions[pi], rc);
        failures++;
      }
      for (int64_t i = 0; i < (int64_t)bags * d; i++)
        if (((uint32_t *)out)[i] != 0x7f7f7f7fu) {
          fprintf(stderr, "pool_test: %s: output written despite a bad id\n", name);
          failures++;
          break;
        }
    }
  for (int k = 0; k < 20; k++) idx[k] = rows - 1 - k;
  // In-range ids, the last row included: pooled.
  if (checked_pool(kernel, w, w_len, 3, rows, d, idx, 20, off, bags + 1, bags, out, (int64_t)bags * d, d) != 0) {
    fprintf(stderr, "pool_test: %s: valid batch rejected\n", name);
    failures++;
  }
  struct {
    const char *what;
    int64_t w_len, first, rows, idx_len, off_len, out_len;
    int stride, off_fix, off_val;
  } geometry[] = {
      {"table past the array", w_len, 4, rows, 20, bags + 1, (int64_t)bags * d, d, -1, 0},
      {"rows past the array", w_len, 3, rows + 1, 20, bags + 1, (int64_t)bags * d, d, -1, 0},
      {"2^62+1 rows", w_len, 3, ((int64_t)1 << 62) + 1, 20, bags + 1, (int64_t)bags * d, d, -1, 0},
      {"negative first", w_len, -1, rows, 20, bags + 1, (int64_t)bags * d, d, -1, 0},
      {"offsets past the ids", w_len, 3, rows, 19, bags + 1, (int64_t)bags * d, d, -1, 0},
      {"too few offsets", w_len, 3, rows, 20, bags, (int64_t)bags * d, d, -1, 0},
      {"output too small", w_len, 3, rows, 20, bags + 1, (int64_t)bags * d - 1, d, -1, 0},
      {"negative stride", w_len, 3, rows, 20, bags + 1, (int64_t)bags * d, -d, -1, 0},
      {"decreasing offsets", w_len, 3, rows, 20, bags + 1, (int64_t)bags * d, d, 2, 1},
      {"negative first offset", w_len, 3, rows, 20, bags + 1, (int64_t)bags * d, d, 0, -4},
  };
  for (size_t g = 0; g < sizeof geometry / sizeof geometry[0]; g++) {
    for (int b = 0; b <= bags; b++) off[b] = b * 4;
    if (geometry[g].off_fix >= 0) off[geometry[g].off_fix] = geometry[g].off_val;
    int rc = checked_pool(kernel, w, geometry[g].w_len, geometry[g].first, geometry[g].rows, d, idx,
                          geometry[g].idx_len, off, geometry[g].off_len, bags, out, geometry[g].out_len,
                          geometry[g].stride);
    if (rc != -1) {
      fprintf(stderr, "pool_test: %s: %s accepted (rc %d)\n", name, geometry[g].what, rc);
      failures++;
    }
  }
  free(w);
  free(off);
  free(idx);
  free(out);
  return failures;
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
  int bounds = 0;
  for (int v = 0; v < 2; v++)
    if (kernels[v]) bounds += bounds_tests(kernels[v], names[v]);
  if (bounds != 0) return 1;
  printf("pool_test: bounds check rejects out-of-range ids and bad geometry for every kernel (ASan-clean)\n");
  printf("pool_test: %d kernel/dim combinations bit-identical to the reference (avx2 %s)\n", checked,
         kernels[1] ? "tested" : "not supported here");
  return 0;
}
