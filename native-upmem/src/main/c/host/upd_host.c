/* Host library of the UPMEM embedding backend; see upd_host.h. Builds against the SDK's libdpu or the emulator. */
#include "upd_host.h"

#include <dpu.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upd_abi.h"

struct upd_shard {
  uint32_t nr_rows;
  uint32_t row_words;
  uint32_t cols;
  uint64_t bytes;
};

struct upd_ctx {
  struct dpu_set_t set;
  uint32_t nr_dpus;
  uint32_t nr_ranks;
  struct upd_shard *shards;
  uint64_t batch_base; /* first MRAM heap byte after the largest shard, 8-aligned */
  struct upd_args *args;
  uint8_t *staging;
  size_t staging_bytes;
  int64_t *sums;
  uint64_t sums_len;
  uint8_t *touched;
};

static void say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static int failed(dpu_error_t status, const char *what, char *err, size_t errlen) {
  if (status == DPU_OK) {
    return 0;
  }
  char *name = dpu_error_to_string(status);
#ifdef DPU_EMU
  say(err, errlen, "%s failed: %s (%s)", what, name == NULL ? "?" : name, dpu_emu_last_error());
#else
  say(err, errlen, "%s failed: %s", what, name == NULL ? "?" : name);
#endif
  free(name);
  return 1;
}

static uint64_t round8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

int upd_open(uint32_t nr_ranks, const char *profile, const char *kernel_path, struct upd_ctx **out, char *err,
             size_t errlen) {
  struct upd_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) {
    say(err, errlen, "out of host memory");
    return -1;
  }
  if (failed(dpu_alloc_ranks(nr_ranks, profile, &ctx->set), "dpu_alloc_ranks", err, errlen)) {
    free(ctx);
    return -1;
  }
  if (failed(dpu_get_nr_dpus(ctx->set, &ctx->nr_dpus), "dpu_get_nr_dpus", err, errlen) ||
      failed(dpu_get_nr_ranks(ctx->set, &ctx->nr_ranks), "dpu_get_nr_ranks", err, errlen) ||
      failed(dpu_load(ctx->set, kernel_path, NULL), "dpu_load", err, errlen)) {
    dpu_free(ctx->set);
    free(ctx);
    return -1;
  }
  ctx->shards = calloc(ctx->nr_dpus, sizeof *ctx->shards);
  ctx->args = calloc(ctx->nr_dpus, sizeof *ctx->args);
  if (ctx->shards == NULL || ctx->args == NULL) {
    say(err, errlen, "out of host memory");
    upd_close(ctx);
    return -1;
  }
  *out = ctx;
  return 0;
}

uint32_t upd_nr_dpus(const struct upd_ctx *ctx) { return ctx->nr_dpus; }
uint32_t upd_nr_ranks(const struct upd_ctx *ctx) { return ctx->nr_ranks; }
uint64_t upd_batch_capacity(const struct upd_ctx *ctx) { return UPD_MRAM_BYTES - ctx->batch_base; }

static int nth_dpu(struct upd_ctx *ctx, uint32_t n, struct dpu_set_t *out) {
  struct dpu_set_t dpu;
  uint32_t i;
  DPU_FOREACH(ctx->set, dpu, i) {
    if (i == n) {
      *out = dpu;
      return 0;
    }
  }
  return -1;
}

int upd_load_shard(struct upd_ctx *ctx, uint32_t dpu_index, const int32_t *rows, uint32_t nr_rows, uint32_t row_words,
                   uint32_t cols, char *err, size_t errlen) {
  struct dpu_set_t dpu;
  if (dpu_index >= ctx->nr_dpus || nth_dpu(ctx, dpu_index, &dpu) != 0) {
    say(err, errlen, "DPU %u does not exist (the set has %u DPUs)", dpu_index, ctx->nr_dpus);
    return -1;
  }
  if (row_words == 0 || row_words % 2 != 0 || cols > row_words) {
    say(err, errlen, "DPU %u: row width %u words (cols %u) must be even and >= cols", dpu_index, row_words, cols);
    return -1;
  }
  uint64_t bytes = (uint64_t)nr_rows * row_words * 4;
  if (bytes > UPD_MRAM_BYTES) {
    say(err, errlen, "DPU %u: shard of %u rows x %u words = %llu bytes exceeds the 64 MB MRAM (%u bytes)", dpu_index,
        nr_rows, row_words, (unsigned long long)bytes, UPD_MRAM_BYTES);
    return -1;
  }
  /* Chunked so that no single host transfer exceeds what the SDK handles comfortably. */
  const uint64_t chunk = 8u << 20;
  for (uint64_t off = 0; off < bytes; off += chunk) {
    uint64_t n = bytes - off < chunk ? bytes - off : chunk;
    if (failed(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)off, (const uint8_t *)rows + off, n),
               "dpu_copy_to (table shard)", err, errlen)) {
      return -1;
    }
  }
  ctx->shards[dpu_index] = (struct upd_shard){nr_rows, row_words, cols, bytes};
  ctx->batch_base = 0;
  for (uint32_t d = 0; d < ctx->nr_dpus; d++) {
    uint64_t end = round8(ctx->shards[d].bytes);
    ctx->batch_base = end > ctx->batch_base ? end : ctx->batch_base;
  }
  return 0;
}

static int ensure_staging(struct upd_ctx *ctx, size_t bytes, char *err, size_t errlen) {
  if (bytes <= ctx->staging_bytes) {
    return 0;
  }
  uint8_t *p = realloc(ctx->staging, bytes);
  if (p == NULL) {
    say(err, errlen, "out of host memory for %zu staging bytes", bytes);
    return -1;
  }
  ctx->staging = p;
  ctx->staging_bytes = bytes;
  return 0;
}

static int ensure_sums(struct upd_ctx *ctx, uint64_t len, char *err, size_t errlen) {
  if (len <= ctx->sums_len) {
    return 0;
  }
  int64_t *s = realloc(ctx->sums, len * sizeof *s);
  uint8_t *t = realloc(ctx->touched, len);
  if (s != NULL) {
    ctx->sums = s;
  }
  if (t != NULL) {
    ctx->touched = t;
  }
  if (s == NULL || t == NULL) {
    say(err, errlen, "out of host memory for %llu output sums", (unsigned long long)len);
    return -1;
  }
  ctx->sums_len = len;
  return 0;
}

int upd_run_batch(struct upd_ctx *ctx, const uint32_t *bag_counts, const uint32_t *idx_counts, const uint32_t *bags,
                  const uint32_t *idx, const int64_t *dest, float *out, uint64_t out_len, double inv_scale,
                  struct upd_batch_stats *stats, char *err, size_t errlen) {
  const uint32_t n = ctx->nr_dpus;
  uint64_t max_bags = 0, max_idx = 0, max_words = 0;
  for (uint32_t d = 0; d < n; d++) {
    if (idx_counts[d] % 2 != 0) {
      say(err, errlen, "DPU %u: index list of %u entries is not padded to an even length", d, idx_counts[d]);
      return -1;
    }
    max_bags = bag_counts[d] > max_bags ? bag_counts[d] : max_bags;
    max_idx = idx_counts[d] > max_idx ? idx_counts[d] : max_idx;
    max_words = ctx->shards[d].row_words > max_words ? ctx->shards[d].row_words : max_words;
  }
  const uint64_t in_len = max_bags * 8 + round8(max_idx * 4);
  const uint64_t out_dpu_len = max_bags * max_words * 8;
  const uint64_t bags_off = ctx->batch_base;
  const uint64_t idx_off = bags_off + max_bags * 8;
  const uint64_t out_off = idx_off + round8(max_idx * 4);
  if (out_off + out_dpu_len > UPD_MRAM_BYTES) {
    say(err, errlen,
        "batch needs %llu bytes of MRAM per DPU after the %llu-byte table shards, more than the 64 MB MRAM leaves "
        "(%llu bytes); use smaller batches",
        (unsigned long long)(out_off + out_dpu_len - bags_off), (unsigned long long)bags_off,
        (unsigned long long)(UPD_MRAM_BYTES - bags_off));
    return -1;
  }
  if (ensure_staging(ctx, (size_t)(n * (in_len > out_dpu_len ? in_len : out_dpu_len)), err, errlen) != 0 ||
      ensure_sums(ctx, out_len, err, errlen) != 0) {
    return -1;
  }
  /* Inputs: per DPU [bags (padded to max_bags)][indices (padded)], one parallel push for the whole set. */
  const uint32_t *bp = bags;
  const uint32_t *ip = idx;
  for (uint32_t d = 0; d < n; d++) {
    uint8_t *s = ctx->staging + (size_t)d * in_len;
    memset(s, 0, in_len);
    memcpy(s, bp, (size_t)bag_counts[d] * 8);
    memcpy(s + max_bags * 8, ip, (size_t)idx_counts[d] * 4);
    for (uint32_t b = 0; b < bag_counts[d]; b++) {
      uint32_t first = bp[2 * b], count = bp[2 * b + 1];
      if (first % 2 != 0 || (uint64_t)first + count > idx_counts[d]) {
        say(err, errlen, "DPU %u bag %u: index range [%u, +%u) is unaligned or outside its %u entries", d, b, first,
            count, idx_counts[d]);
        return -1;
      }
    }
    bp += 2 * (size_t)bag_counts[d];
    ip += idx_counts[d];
    ctx->args[d] = (struct upd_args){bag_counts[d], ctx->shards[d].row_words, ctx->shards[d].nr_rows,
                                     (uint32_t)bags_off, (uint32_t)idx_off, (uint32_t)out_off, 0, 0};
  }
  struct dpu_set_t dpu;
  uint32_t i;
  if (in_len > 0) {
    DPU_FOREACH(ctx->set, dpu, i) {
      if (failed(dpu_prepare_xfer(dpu, ctx->staging + (size_t)i * in_len), "dpu_prepare_xfer", err, errlen)) {
        return -1;
      }
    }
    if (failed(dpu_push_xfer(ctx->set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)bags_off, in_len,
                             DPU_XFER_DEFAULT),
               "dpu_push_xfer (bags and indices)", err, errlen)) {
      return -1;
    }
  }
  DPU_FOREACH(ctx->set, dpu, i) {
    if (failed(dpu_prepare_xfer(dpu, &ctx->args[i]), "dpu_prepare_xfer", err, errlen)) {
      return -1;
    }
  }
  if (failed(dpu_push_xfer(ctx->set, DPU_XFER_TO_DPU, UPD_ARGS_SYMBOL, 0, sizeof(struct upd_args), DPU_XFER_DEFAULT),
             "dpu_push_xfer (arguments)", err, errlen) ||
      failed(dpu_launch(ctx->set, DPU_SYNCHRONOUS), "dpu_launch", err, errlen)) {
    return -1;
  }
  DPU_FOREACH(ctx->set, dpu, i) {
    if (failed(dpu_prepare_xfer(dpu, &ctx->args[i]), "dpu_prepare_xfer", err, errlen)) {
      return -1;
    }
  }
  if (failed(dpu_push_xfer(ctx->set, DPU_XFER_FROM_DPU, UPD_ARGS_SYMBOL, 0, sizeof(struct upd_args), DPU_XFER_DEFAULT),
             "dpu_push_xfer (status)", err, errlen)) {
    return -1;
  }
  for (uint32_t d = 0; d < n; d++) {
    if (ctx->args[d].status != UPD_STATUS_OK) {
      say(err, errlen, "DPU %u reported local row %u out of range (its shard has %u rows)", d, ctx->args[d].bad_row,
          ctx->shards[d].nr_rows);
      return -1;
    }
  }
  if (out_dpu_len > 0) {
    DPU_FOREACH(ctx->set, dpu, i) {
      if (failed(dpu_prepare_xfer(dpu, ctx->staging + (size_t)i * out_dpu_len), "dpu_prepare_xfer", err, errlen)) {
        return -1;
      }
    }
    if (failed(dpu_push_xfer(ctx->set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)out_off, out_dpu_len,
                             DPU_XFER_DEFAULT),
               "dpu_push_xfer (pooled rows)", err, errlen)) {
      return -1;
    }
  }
  /* Finish the pooling: add partial sums of rows split over DPUs, then scale once. */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  memset(ctx->sums, 0, out_len * sizeof *ctx->sums);
  memset(ctx->touched, 0, out_len);
  const int64_t *dp = dest;
  for (uint32_t d = 0; d < n; d++) {
    const uint32_t words = ctx->shards[d].row_words, cols = ctx->shards[d].cols;
    const int64_t *pooled = (const int64_t *)(ctx->staging + (size_t)d * out_dpu_len);
    for (uint32_t b = 0; b < bag_counts[d]; b++) {
      int64_t at = dp[b];
      if (at < 0 || (uint64_t)at + cols > out_len) {
        say(err, errlen, "DPU %u bag %u: destination %lld (+%u) is outside the output of %llu values", d, b,
            (long long)at, cols, (unsigned long long)out_len);
        return -1;
      }
      for (uint32_t c = 0; c < cols; c++) {
        ctx->sums[at + c] += pooled[(size_t)b * words + c];
        ctx->touched[at + c] = 1;
      }
    }
    dp += bag_counts[d];
  }
  for (uint64_t k = 0; k < out_len; k++) {
    out[k] = ctx->touched[k] ? (float)((double)ctx->sums[k] * inv_scale) : 0.0f;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (stats != NULL) {
    uint64_t ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)(t1.tv_nsec - t0.tv_nsec);
    *stats = (struct upd_batch_stats){in_len, 2 * sizeof(struct upd_args), out_dpu_len, max_bags, max_idx, ns};
  }
  return 0;
}

int upd_dpu_counters(struct upd_ctx *ctx, uint64_t *out, char *err, size_t errlen) {
  memset(out, 0, (size_t)ctx->nr_dpus * UPD_NR_DPU_COUNTERS * sizeof *out);
#ifdef DPU_EMU
  struct dpu_set_t dpu;
  uint32_t i;
  DPU_FOREACH(ctx->set, dpu, i) {
    struct dpu_emu_stats s;
    if (failed(dpu_emu_get_stats(dpu, &s), "dpu_emu_get_stats", err, errlen)) {
      return -1;
    }
    uint64_t *o = out + (size_t)i * UPD_NR_DPU_COUNTERS;
    o[0] = s.mram_reads;
    o[1] = s.mram_read_bytes;
    o[2] = s.mram_writes;
    o[3] = s.mram_write_bytes;
    o[4] = s.instructions;
    o[5] = s.host_to_dpu_bytes;
    o[6] = s.dpu_to_host_bytes;
    o[7] = s.host_transfers;
    o[8] = s.launches;
  }
#else
  (void)err;
  (void)errlen;
#endif
  return 0;
}

void upd_reset_counters(struct upd_ctx *ctx) {
#ifdef DPU_EMU
  dpu_emu_reset_stats(ctx->set);
#else
  (void)ctx;
#endif
}

void upd_close(struct upd_ctx *ctx) {
  if (ctx == NULL) {
    return;
  }
  dpu_free(ctx->set);
  free(ctx->shards);
  free(ctx->args);
  free(ctx->staging);
  free(ctx->sums);
  free(ctx->touched);
  free(ctx);
}
