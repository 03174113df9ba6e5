// Native reference for dev/bench-dlrm.sh: how fast can C read the "large 4x1Mx64 uniform" gather case on this
// machine? Prints sequential read bandwidth and sum-pooling gather GB/s without and with software prefetch, with
// the same shapes as the Java case (4 tables x 2^20 rows x 64 floats, 2048 bags x 32 uniform ids per table per
// batch, bags split over THREADS threads), huge pages requested with madvise. Not part of the product.
//   gcc -O3 -march=native -pthread dev/native/gather_limit.c -o gather_limit && ./gather_limit 2
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

enum { TABLES = 4, ROWS = 1 << 20, DIM = 64, BAGS = 2048, POOL = 32 };
static float *tables[TABLES];
static int *ids[TABLES];
static long *seq;
static const long SEQ_LONGS = 1L << 27;  // 1 GiB
static int threads, prefetch, sequential;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *alloc_huge(size_t bytes) {
  size_t huge = 2u << 20;
  void *p = aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
  if (!p) { perror("aligned_alloc"); exit(1); }
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

static void *work(void *arg) {
  long th = (long)arg;
  if (sequential) {
    long n = SEQ_LONGS / threads, s0 = 0, s1 = 0;
    for (long i = th * n; i < th * n + n; i += 2) { s0 += seq[i]; s1 += seq[i + 1]; }
    return (void *)(s0 + s1);
  }
  int per = BAGS / threads;
  float *out = aligned_alloc(64, (size_t)per * TABLES * DIM * sizeof(float));
  for (int t = 0; t < TABLES; t++) {
    const float *w = tables[t];
    const int *ix = ids[t] + th * per * POOL;
    for (int b = 0; b < per; b++) {
      __m256 a[8];
      for (int q = 0; q < 8; q++) a[q] = _mm256_setzero_ps();
      for (int k = b * POOL; k < b * POOL + POOL; k++) {
        if (prefetch && k + prefetch < per * POOL) {
          const char *p = (const char *)(w + (long)ix[k + prefetch] * DIM);
          for (int l = 0; l < DIM * 4; l += 64) _mm_prefetch(p + l, _MM_HINT_T0);
        }
        const float *r = w + (long)ix[k] * DIM;
        for (int q = 0; q < 8; q++) a[q] = _mm256_add_ps(a[q], _mm256_loadu_ps(r + 8 * q));
      }
      for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + ((long)b * TABLES + t) * DIM + 8 * q, a[q]);
    }
  }
  float x = out[0];
  free(out);
  return (void *)(long)(x != 0);
}

static double measure(void) {
  pthread_t tid[64];
  double t0 = now();
  int iters = 0;
  while (now() - t0 < 2.0) {
    for (long i = 0; i < threads; i++) pthread_create(&tid[i], 0, work, (void *)i);
    for (int i = 0; i < threads; i++) pthread_join(tid[i], 0);
    iters++;
  }
  double bytes = sequential ? SEQ_LONGS * 8.0 : (double)TABLES * BAGS * POOL * DIM * 4;
  return bytes * iters / (now() - t0) / 1e9;
}

int main(int argc, char **argv) {
  threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1 || threads > 64 || BAGS % threads) { fprintf(stderr, "threads must divide %d\n", BAGS); return 2; }
  unsigned long long x = 88172645463325252ull;
  for (int t = 0; t < TABLES; t++) {
    tables[t] = alloc_huge((size_t)ROWS * DIM * sizeof(float));
    for (long i = 0; i < (long)ROWS * DIM; i++) tables[t][i] = (float)(i & 1023);
    ids[t] = malloc(sizeof(int) * BAGS * POOL);
    for (int i = 0; i < BAGS * POOL; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; ids[t][i] = (int)(x % ROWS); }
  }
  seq = alloc_huge(SEQ_LONGS * 8);
  for (long i = 0; i < SEQ_LONGS; i++) seq[i] = 1;
  double best[4] = {0};
  for (int rep = 0; rep < 3; rep++) {
    for (int m = 0; m < 4; m++) {
      sequential = m == 0;
      prefetch = m == 2 ? 8 : m == 3 ? 16 : 0;
      double g = measure();
      if (g > best[m]) best[m] = g;
    }
  }
  printf("native sequential read: %.2f GB/s\n", best[0]);
  printf("native gather, no prefetch: %.2f GB/s (%.2f of sequential)\n", best[1], best[1] / best[0]);
  printf("native gather, prefetch 8 rows ahead: %.2f GB/s (%.2f of sequential)\n", best[2], best[2] / best[0]);
  printf("native gather, prefetch 16 rows ahead: %.2f GB/s (%.2f of sequential)\n", best[3], best[3] / best[0]);
  return 0;
}
