/*
 * Host side of the UPMEM embedding backend, written against libdpu (<dpu.h>): allocates a DPU set by ranks,
 * loads the kernel, lays table shards into MRAM once, and runs batches with parallel transfers
 * (DPU_FOREACH + dpu_prepare_xfer + dpu_push_xfer), finishing the pooling across DPUs on the host.
 * Every function returns 0 on success, else -1 with a one-line reason in err.
 */
#ifndef SPARKFUSION_UPD_HOST_H
#define SPARKFUSION_UPD_HOST_H
#include <stddef.h>
#include <stdint.h>

struct upd_ctx;

/* Per-batch transfer figures the cost model needs (bytes include the padding parallel transfers impose). */
struct upd_batch_stats {
  uint64_t push_to_bytes_per_dpu;   /* padded length of the input push (bags + indices) */
  uint64_t args_bytes_per_dpu;      /* argument block pushes (to and from) */
  uint64_t push_from_bytes_per_dpu; /* padded length of the output push */
  uint64_t max_bags;                /* largest number of bags on one DPU */
  uint64_t max_indices;             /* largest number of index entries (with padding) on one DPU */
  uint64_t reduce_ns;               /* host time to finish the pooling (measured) */
};

#define UPD_NR_DPU_COUNTERS 9

int upd_open(uint32_t nr_ranks, const char *profile, const char *kernel_path, struct upd_ctx **out, char *err,
             size_t errlen);
uint32_t upd_nr_dpus(const struct upd_ctx *ctx);
uint32_t upd_nr_ranks(const struct upd_ctx *ctx);
/* Copies nr_rows rows of row_words int32 (row_words even) into DPU dpu's MRAM; cols <= row_words are real columns. */
int upd_load_shard(struct upd_ctx *ctx, uint32_t dpu, const int32_t *rows, uint32_t nr_rows, uint32_t row_words,
                   uint32_t cols, char *err, size_t errlen);
/*
 * One batch. For DPU d (in DPU_FOREACH order): bag_counts[d] bags and idx_counts[d] index entries (even lists);
 * bags holds (first, count) pairs and dest holds, per bag, the element offset in out where its cols pooled
 * values go; both concatenated over DPUs, as idx is. Sums from all DPUs are added in int64, then
 * out[i] = sum * inv_scale for every element some bag wrote (others are zeroed).
 */
int upd_run_batch(struct upd_ctx *ctx, const uint32_t *bag_counts, const uint32_t *idx_counts, const uint32_t *bags,
                  const uint32_t *idx, const int64_t *dest, float *out, uint64_t out_len, double inv_scale,
                  struct upd_batch_stats *stats, char *err, size_t errlen);
/* Bytes of MRAM a batch may use on every DPU after the largest shard. */
uint64_t upd_batch_capacity(const struct upd_ctx *ctx);
/* UPD_NR_DPU_COUNTERS counters per DPU (see struct dpu_emu_stats); zeros with the real SDK. */
int upd_dpu_counters(struct upd_ctx *ctx, uint64_t *out, char *err, size_t errlen);
void upd_reset_counters(struct upd_ctx *ctx);
void upd_close(struct upd_ctx *ctx);

#endif
