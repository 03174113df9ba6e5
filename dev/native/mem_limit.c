// Memory ceiling for dev/bench-dlrm.sh (not part of the product): how fast can this machine fetch the rows a
// gather case asks for? Reads the case's own index file (int32 LE, [batch][table][bags * pooling]) and, with the
// same threads, bag split and table sizes as the gather, loads every 64-byte line of every requested row into
// independent accumulators: no pooling arithmetic, no output, only the loads. Rows are issued R at a time with no
// dependency between them (memory-level parallelism), and software prefetch runs D rows ahead; the ceiling is the
// best over R in {1,8} x D in {0,8,16,32,64} and 2 repetitions, so a gather that uses prefetch or issues
// several rows at once cannot beat it unless the probe is wrong. Also prints sequential read bandwidth.
// Tables are requested as transparent huge pages (madvise), as the JVM's -XX:+UseTransparentHugePages does, unless
// MEM_LIMIT_NO_HUGE_PAGES is set.
//
//   gcc -O3 -march=native -pthread dev/native/mem_limit.c -o mem_limit
//   mem_limit FILE TABLES ROWS DIM BAGS POOLING BATCHES THREADS     -> one JSON object on stdout
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static long tables_n, rows_n, dim_n, bags_n, pool_n, batches_n, threads_n;
static float **tables;
static int32_t *ids;  // [batch][table][bags * pool]
static int64_t *seq;
static const long SEQ_LONGS = 1L << 27;  // 1 GiB
static int mode_seq, ahead, unroll, batch_now;
static volatile float sink;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *alloc_huge(size_t bytes) {
  size_t huge = 2u << 20, n = (bytes + huge - 1) / huge * huge;
  void *p = aligned_alloc(huge, n);
  if (!p) {
    fprintf(stderr, "mem_limit: cannot allocate %zu bytes\n", n);
    exit(1);
  }
  if (!getenv("MEM_LIMIT_NO_HUGE_PAGES")) madvise(p, n, MADV_HUGEPAGE);
  return p;
}

static long parse(const char *s, const char *what) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v <= 0 || v > (1L << 31)) {
    fprintf(stderr, "mem_limit: %s must be a positive integer below 2^31, got '%s'\n", what, s);
    exit(2);
  }
  return v;
}

// Loads every line of rows ix[k..] for one table: R independent rows per iteration, prefetch D rows ahead.
static float touch(const float *w, const int32_t *ix, long n) {
  const long lines = dim_n * 4 / 64, stride = 16;  // 16 floats per 64-byte line
  float acc[8] = {0};
  for (long k = 0; k < n; k += unroll) {
    if (ahead) {
      for (int u = 0; u < unroll && k + ahead + u < n; u++) {
        const char *p = (const char *)(w + (long)ix[k + ahead + u] * dim_n);
        for (long l = 0; l < lines; l++) __builtin_prefetch(p + 64 * l, 0, 3);
      }
    }
    for (int u = 0; u < unroll && k + u < n; u++) {
      const float *r = w + (long)ix[k + u] * dim_n;
      for (long l = 0; l < lines; l++) acc[u] += r[l * stride];
    }
  }
  return acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
}

static void *work(void *arg) {
  long th = (long)arg;
  if (mode_seq) {
    long n = SEQ_LONGS / threads_n;
    int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (long i = th * n; i < th * n + n; i += 4) {
      s0 += seq[i];
      s1 += seq[i + 1];
      s2 += seq[i + 2];
      s3 += seq[i + 3];
    }
    sink = (float)(s0 + s1 + s2 + s3);
    return 0;
  }
  long per = bags_n / threads_n * pool_n;
  float s = 0;
  for (long t = 0; t < tables_n; t++) {
    const int32_t *ix = ids + ((long)batch_now * tables_n + t) * bags_n * pool_n + th * per;
    s += touch(tables[t], ix, per);
  }
  sink = s;
  return 0;
}

// Seconds per pass (one batch of the case, or one sequential pass), mean over >= 0.3 s.
static double measure(void) {
  pthread_t tid[64];
  double t0 = now();
  long passes = 0;
  while (now() - t0 < 0.3 || passes < 3) {
    batch_now = (int)(passes % batches_n);
    for (long i = 0; i < threads_n; i++) pthread_create(&tid[i], 0, work, (void *)i);
    for (long i = 0; i < threads_n; i++) pthread_join(tid[i], 0);
    passes++;
  }
  return (now() - t0) / passes;
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: mem_limit FILE TABLES ROWS DIM BAGS POOLING BATCHES THREADS\n");
    return 2;
  }
  tables_n = parse(argv[2], "TABLES");
  rows_n = parse(argv[3], "ROWS");
  dim_n = parse(argv[4], "DIM");
  bags_n = parse(argv[5], "BAGS");
  pool_n = parse(argv[6], "POOLING");
  batches_n = parse(argv[7], "BATCHES");
  threads_n = parse(argv[8], "THREADS");
  if (threads_n > 64 || bags_n % threads_n || dim_n % 16) {
    fprintf(stderr, "mem_limit: THREADS must be <= 64 and divide BAGS; DIM must be a multiple of 16\n");
    return 2;
  }
  long count = batches_n * tables_n * bags_n * pool_n;  // < 2^31 each factor; checked product below
  if (count / batches_n / tables_n / bags_n != pool_n || count > (1L << 34)) {
    fprintf(stderr, "mem_limit: index count overflows\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    fprintf(stderr, "mem_limit: cannot open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  ids = malloc(sizeof(int32_t) * count);
  if (!ids || fread(ids, sizeof(int32_t), count, f) != (size_t)count || fgetc(f) != EOF) {
    fprintf(stderr, "mem_limit: %s does not hold exactly %ld int32 ids\n", argv[1], count);
    return 1;
  }
  fclose(f);
  for (long i = 0; i < count; i++) {
    if (ids[i] < 0 || ids[i] >= rows_n) {
      fprintf(stderr, "mem_limit: %s: id %d at position %ld is outside [0, %ld)\n", argv[1], ids[i], i, rows_n);
      return 1;
    }
  }
  tables = malloc(sizeof(float *) * tables_n);
  for (long t = 0; t < tables_n; t++) {
    tables[t] = alloc_huge((size_t)rows_n * dim_n * sizeof(float));
    for (long i = 0; i < rows_n * dim_n; i++) tables[t][i] = (float)(i & 1023);
  }
  seq = alloc_huge(SEQ_LONGS * 8);
  for (long i = 0; i < SEQ_LONGS; i++) seq[i] = 1;

  double bytes = (double)tables_n * bags_n * pool_n * dim_n * 4;  // per batch, as the gather counts them
  double best_seq = 0, best = 0;
  int best_ahead = 0, best_unroll = 0;
  static const int aheads[] = {0, 8, 16, 32, 64}, unrolls[] = {1, 8};
  for (int rep = 0; rep < 2; rep++) {
    mode_seq = 1;
    double s = SEQ_LONGS * 8.0 / measure() / 1e9;
    if (s > best_seq) best_seq = s;
    mode_seq = 0;
    for (int a = 0; a < 5; a++) {
      for (int u = 0; u < 2; u++) {
        ahead = aheads[a];
        unroll = unrolls[u];
        double g = bytes / measure() / 1e9;
        if (g > best) {
          best = g;
          best_ahead = ahead;
          best_unroll = unroll;
        }
      }
    }
  }
  printf("{\"sequential_gbps\": %.4f, \"random_rows_gbps\": %.4f, \"random_rows_lookups_per_s\": %.1f, "
         "\"best_prefetch_rows_ahead\": %d, \"best_rows_in_flight\": %d}\n",
         best_seq, best, best * 1e9 / (dim_n * 4), best_ahead, best_unroll);
  return 0;
}
