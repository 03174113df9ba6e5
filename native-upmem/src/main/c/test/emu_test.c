/*
 * C tests of the emulated runtime, the kernel and the host library, built and run under AddressSanitizer and
 * UndefinedBehaviorSanitizer (make asan-test). Exit status 0 only if every check passed.
 */
#include <dpu.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upd_abi.h"
#include "upd_host.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                                       \
  do {                                                         \
    checks++;                                                  \
    if (!(cond)) {                                             \
      failures++;                                              \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                            \
      fprintf(stderr, "\n");                                   \
    }                                                          \
  } while (0)

static struct dpu_set_t first_dpu(struct dpu_set_t set) {
  struct dpu_set_t dpu, first = {0};
  int seen = 0;
  DPU_FOREACH(set, dpu) {
    if (!seen) {
      first = dpu;
      seen = 1;
    }
  }
  return first;
}

static void expect_fault(struct dpu_set_t set, uint32_t mode, const char *needle) {
  struct dpu_set_t dpu = first_dpu(set);
  CHECK(dpu_copy_to(dpu, "forbidden_mode", 0, &mode, 4) == DPU_OK, "copy mode: %s", dpu_emu_last_error());
  dpu_error_t st = dpu_launch(dpu, DPU_SYNCHRONOUS);
  if (needle == NULL) {
    CHECK(st == DPU_OK, "mode %u should run, got %d: %s", mode, st, dpu_emu_last_error());
  } else {
    CHECK(st == DPU_ERR_DPU_FAULT, "mode %u should fault, got %d", mode, st);
    CHECK(strstr(dpu_emu_last_error(), needle) != NULL, "mode %u: message '%s' lacks '%s'", mode, dpu_emu_last_error(),
          needle);
  }
}

static void test_forbidden_kernel_accesses(void) {
  struct dpu_set_t set;
  CHECK(dpu_alloc(2, "backend=emu", &set) == DPU_OK, "alloc: %s", dpu_emu_last_error());
  CHECK(dpu_load(set, "forbidden_kernel", NULL) == DPU_OK, "load: %s", dpu_emu_last_error());
  expect_fault(set, 0, NULL);
  expect_fault(set, 1, "multiple of 8 from 8 to 2048");
  expect_fault(set, 2, "multiple of 8 from 8 to 2048");
  expect_fault(set, 3, "not 8-byte aligned");
  expect_fault(set, 4, "MRAM overflow");
  expect_fault(set, 5, "WRAM address");
  expect_fault(set, 6, "outside the DPU's WRAM");
  expect_fault(set, 7, "WRAM overflow");
  expect_fault(set, 8, "MRAM overflow");
  expect_fault(set, 0, NULL); /* a faulted DPU runs again after the host reloads arguments */
  dpu_free(set);
}

static void test_forbidden_host_accesses(void) {
  struct dpu_set_t set;
  uint8_t buf[64] = {0};
  CHECK(dpu_alloc(1, NULL, &set) == DPU_OK, "alloc");
  CHECK(dpu_copy_to(set, DPU_MRAM_HEAP_POINTER_NAME, 0, buf, 8) == DPU_ERR_NO_PROGRAM_LOADED, "needs a program");
  CHECK(dpu_load(set, "forbidden_kernel", NULL) == DPU_OK, "load");
  struct dpu_set_t dpu = first_dpu(set);
  CHECK(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, 4, buf, 8) == DPU_ERR_INVALID_MRAM_ACCESS, "unaligned offset");
  CHECK(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, 0, buf, 12) == DPU_ERR_INVALID_MRAM_ACCESS, "unaligned length");
  CHECK(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, (64u << 20) - 8, buf, 16) == DPU_ERR_INVALID_MRAM_ACCESS,
        "MRAM overflow");
  CHECK(strstr(dpu_emu_last_error(), "MRAM overflow") != NULL, "message: %s", dpu_emu_last_error());
  CHECK(dpu_copy_to(dpu, "forbidden_mode", 0, buf, 8) == DPU_ERR_INVALID_SYMBOL_ACCESS, "past a WRAM symbol");
  CHECK(dpu_copy_to(dpu, "forbidden_mode", 2, buf, 4) == DPU_ERR_INVALID_WRAM_ACCESS, "unaligned WRAM offset");
  CHECK(dpu_copy_to(dpu, "no_such_symbol", 0, buf, 4) == DPU_ERR_UNKNOWN_SYMBOL, "unknown symbol");
  CHECK(dpu_copy_to(dpu, "failures", 0, buf, 4) == DPU_ERR_UNKNOWN_SYMBOL, "host globals are not DPU symbols");
  CHECK(dpu_load(set, "oversized_kernel", NULL) == DPU_ERR_ELF_INVALID_FILE, "oversized WRAM must not load");
  CHECK(strstr(dpu_emu_last_error(), "> 64 KB") != NULL, "message: %s", dpu_emu_last_error());
  CHECK(dpu_load(set, "no_such_kernel.dpu", NULL) == DPU_ERR_ELF_INVALID_FILE, "unknown program");
  dpu_free(set);
  CHECK(dpu_alloc_ranks(41, "backend=emu", &set) == DPU_ERR_ALLOCATION, "more ranks than the system has");
  CHECK(dpu_alloc_ranks(1, "backend=hw", &set) == DPU_ERR_ALLOCATION, "no hardware backend");
  CHECK(dpu_alloc_ranks(1, "bogus=1", &set) == DPU_ERR_INVALID_PROFILE, "bad profile");
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t next_rand(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}

/* Row-wise split of one table over all DPUs (row r on DPU r % n), checked against float pooling. */
static void test_pooling_matches_reference(uint32_t dim, uint32_t row_words) {
  const uint32_t ranks = 1, rows = 1000, nbags = 37;
  const double scale = 1 << 24;
  char err[768];
  struct upd_ctx *ctx = NULL;
  CHECK(upd_open(ranks, "backend=emu,nrDpusPerRank=4", "upd_kernel_t16", &ctx, err, sizeof err) == 0, "open: %s",
        err);
  if (ctx == NULL) {
    return;
  }
  const uint32_t n = upd_nr_dpus(ctx);
  CHECK(n == 4, "4 DPUs, got %u", n);
  float *table = malloc(sizeof(float) * rows * dim);
  for (uint32_t i = 0; i < rows * dim; i++) {
    table[i] = ((float)(next_rand() % 20001) - 10000.0f) / 10000.0f;
  }
  uint32_t per_dpu = (rows + n - 1) / n;
  int32_t *shard = calloc((size_t)per_dpu * row_words, sizeof(int32_t));
  for (uint32_t d = 0; d < n; d++) {
    uint32_t local = 0;
    for (uint32_t r = d; r < rows; r += n, local++) {
      for (uint32_t c = 0; c < dim; c++) {
        shard[(size_t)local * row_words + c] = (int32_t)lrint(table[(size_t)r * dim + c] * scale);
      }
    }
    CHECK(upd_load_shard(ctx, d, shard, local, row_words, dim, err, sizeof err) == 0, "load: %s", err);
  }
  /* bags of 0..200 random rows */
  uint32_t *bag_rows[37];
  uint32_t bag_len[37];
  uint32_t total = 0;
  for (uint32_t b = 0; b < nbags; b++) {
    bag_len[b] = b == 3 ? 0 : next_rand() % 200;
    bag_rows[b] = malloc(sizeof(uint32_t) * (bag_len[b] + 1));
    for (uint32_t k = 0; k < bag_len[b]; k++) {
      bag_rows[b][k] = next_rand() % rows;
    }
    total += bag_len[b];
  }
  uint32_t bag_counts[4] = {0}, idx_counts[4] = {0};
  uint32_t *bags = calloc((size_t)2 * nbags * n, sizeof(uint32_t));
  uint32_t *idx = calloc((size_t)total + 2 * nbags * n, sizeof(uint32_t));
  int64_t *dest = calloc((size_t)nbags * n, sizeof(int64_t));
  uint32_t bp = 0, ip = 0, dp = 0;
  for (uint32_t d = 0; d < n; d++) {
    for (uint32_t b = 0; b < nbags; b++) {
      uint32_t first = idx_counts[d], count = 0;
      for (uint32_t k = 0; k < bag_len[b]; k++) {
        if (bag_rows[b][k] % n == d) {
          idx[ip++] = bag_rows[b][k] / n;
          count++;
        }
      }
      if (count % 2) {
        idx[ip++] = 0; /* padding keeps the next list 8-byte aligned */
      }
      idx_counts[d] += count + count % 2;
      bags[bp++] = first;
      bags[bp++] = count;
      dest[dp++] = (int64_t)b * dim;
      bag_counts[d]++;
    }
  }
  float *out = malloc(sizeof(float) * nbags * dim);
  struct upd_batch_stats stats;
  upd_reset_counters(ctx);
  CHECK(upd_run_batch(ctx, bag_counts, idx_counts, bags, idx, dest, out, (uint64_t)nbags * dim, 1.0 / scale, &stats,
                      err, sizeof err) == 0,
        "batch: %s", err);
  double worst = 0;
  for (uint32_t b = 0; b < nbags; b++) {
    for (uint32_t c = 0; c < dim; c++) {
      double ref = 0;
      for (uint32_t k = 0; k < bag_len[b]; k++) {
        ref += table[(size_t)bag_rows[b][k] * dim + c];
      }
      double diff = fabs(ref - out[(size_t)b * dim + c]);
      worst = diff > worst ? diff : worst;
    }
  }
  CHECK(worst < 1e-4, "dim %u: pooled values differ from float reference by %g", dim, worst);
  uint64_t counters[4 * UPD_NR_DPU_COUNTERS];
  CHECK(upd_dpu_counters(ctx, counters, err, sizeof err) == 0, "counters: %s", err);
  uint64_t row_reads = 0, launches = 0;
  const uint64_t blocks = (row_words + UPD_COL_BLOCK - 1) / UPD_COL_BLOCK;
  for (uint32_t d = 0; d < n; d++) {
    row_reads += counters[d * UPD_NR_DPU_COUNTERS + 0];
    launches += counters[d * UPD_NR_DPU_COUNTERS + 8];
  }
  /* every DPU reads each bag descriptor once, each index block and each row once per column block */
  uint64_t expected = (uint64_t)n * nbags;
  for (uint32_t d = 0; d < n; d++) {
    for (uint32_t b = 0; b < nbags; b++) {
      uint32_t count = bags[2 * (d * nbags + b) + 1];
      expected += blocks * ((count + UPD_IDX_BLOCK - 1) / UPD_IDX_BLOCK + count);
    }
  }
  CHECK(row_reads == expected, "dim %u: %llu mram_reads counted, %llu expected", dim, (unsigned long long)row_reads,
        (unsigned long long)expected);
  CHECK(launches == n, "one launch per DPU, got %llu", (unsigned long long)launches);
  /* a wrong local row id is reported by the kernel, not read out of bounds */
  idx[0] = 1u << 30;
  CHECK(upd_run_batch(ctx, bag_counts, idx_counts, bags, idx, dest, out, (uint64_t)nbags * dim, 1.0 / scale, &stats,
                      err, sizeof err) != 0 &&
            strstr(err, "out of range") != NULL,
        "bad row must be reported, got: %s", err);
  /* a shard larger than MRAM is refused with the sizes */
  CHECK(upd_load_shard(ctx, 0, shard, 300000, 64, 64, err, sizeof err) != 0 && strstr(err, "exceeds the 64 MB") != NULL,
        "oversized shard: %s", err);
  for (uint32_t b = 0; b < nbags; b++) {
    free(bag_rows[b]);
  }
  free(table);
  free(shard);
  free(bags);
  free(idx);
  free(dest);
  free(out);
  upd_close(ctx);
}

int main(void) {
  test_forbidden_kernel_accesses();
  test_forbidden_host_accesses();
  test_pooling_matches_reference(16, 16);
  test_pooling_matches_reference(7, 8);
  test_pooling_matches_reference(150, 150);
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
