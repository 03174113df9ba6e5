/*
 * Emulated UPMEM host API (libdpu). Same names, types and signatures as the SDK's <dpu.h> for the subset
 * the Spark Fusion host library uses, so host code builds unchanged against either. DPUs are 64 MB MRAM
 * arrays in this process; a launch runs the registered kernel's main() once per DPU, tasklets as threads.
 * Anything real hardware forbids (misaligned or oversized transfers, MRAM/WRAM overflow) fails loudly:
 * host calls return an error, kernel faults stop the DPU and make dpu_launch return DPU_ERR_DPU_FAULT.
 */
#ifndef SPARKFUSION_EMU_DPU_H
#define SPARKFUSION_EMU_DPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DPU_EMU 1
#define DPU_ALLOCATE_ALL ((uint32_t)-1)
#define DPU_MRAM_HEAP_POINTER_NAME "__sys_used_mram_end"

typedef enum _dpu_error_t {
  DPU_OK = 0,
  DPU_ERR_INTERNAL,
  DPU_ERR_SYSTEM,
  DPU_ERR_ALLOCATION,
  DPU_ERR_INVALID_LAUNCH_POLICY,
  DPU_ERR_DPU_FAULT,
  DPU_ERR_INVALID_DPU_SET,
  DPU_ERR_INVALID_SYMBOL_ACCESS,
  DPU_ERR_INVALID_MRAM_ACCESS,
  DPU_ERR_INVALID_WRAM_ACCESS,
  DPU_ERR_NO_PROGRAM_LOADED,
  DPU_ERR_UNKNOWN_SYMBOL,
  DPU_ERR_ELF_INVALID_FILE,
  DPU_ERR_INVALID_PROFILE,
} dpu_error_t;

typedef enum _dpu_xfer_t { DPU_XFER_TO_DPU, DPU_XFER_FROM_DPU } dpu_xfer_t;
typedef enum _dpu_xfer_flags_t { DPU_XFER_DEFAULT = 0, DPU_XFER_NO_RESET = 1, DPU_XFER_ASYNC = 2 } dpu_xfer_flags_t;
typedef enum _dpu_launch_policy_t { DPU_ASYNCHRONOUS, DPU_SYNCHRONOUS } dpu_launch_policy_t;

struct dpu_t;
struct dpu_rank_t;
struct dpu_program_t;

enum dpu_set_kind_t { DPU_SET_RANKS, DPU_SET_DPU };

struct dpu_set_t {
  enum dpu_set_kind_t kind;
  union {
    struct {
      uint32_t nr_ranks;
      struct dpu_rank_t **ranks;
    } list;
    struct dpu_t *dpu;
  };
};

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *dpu_set);
dpu_error_t dpu_alloc_ranks(uint32_t nr_ranks, const char *profile, struct dpu_set_t *dpu_set);
dpu_error_t dpu_free(struct dpu_set_t dpu_set);
dpu_error_t dpu_get_nr_dpus(struct dpu_set_t dpu_set, uint32_t *nr_dpus);
dpu_error_t dpu_get_nr_ranks(struct dpu_set_t dpu_set, uint32_t *nr_ranks);
dpu_error_t dpu_load(struct dpu_set_t dpu_set, const char *binary_path, struct dpu_program_t **program);
dpu_error_t dpu_launch(struct dpu_set_t dpu_set, dpu_launch_policy_t policy);
dpu_error_t dpu_sync(struct dpu_set_t dpu_set);
dpu_error_t dpu_copy_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset, const void *src,
                        size_t length);
dpu_error_t dpu_copy_from(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset, void *dst,
                          size_t length);
dpu_error_t dpu_broadcast_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                             const void *src, size_t length, dpu_xfer_flags_t flags);
dpu_error_t dpu_prepare_xfer(struct dpu_set_t dpu_set, void *buffer);
dpu_error_t dpu_push_xfer(struct dpu_set_t dpu_set, dpu_xfer_t xfer, const char *symbol_name, uint32_t symbol_offset,
                          size_t length, dpu_xfer_flags_t flags);
/** Caller frees the returned string (as with the SDK). */
char *dpu_error_to_string(dpu_error_t status);

/* ---- DPU_FOREACH(set, dpu) / DPU_FOREACH(set, dpu, index) ---- */
struct dpu_emu_iter {
  struct dpu_set_t set;
  uint32_t rank;
  uint32_t member;
  uint32_t count;
  bool has_next;
  struct dpu_set_t cur;
};
struct dpu_emu_iter dpu_emu_iter_start(struct dpu_set_t set);
void dpu_emu_iter_next(struct dpu_emu_iter *it);

#define DPU_EMU_FOREACH_2(set, d) \
  for (struct dpu_emu_iter __dpu_it = dpu_emu_iter_start(set); __dpu_it.has_next && ((d) = __dpu_it.cur, 1); \
       dpu_emu_iter_next(&__dpu_it))
#define DPU_EMU_FOREACH_3(set, d, i)                                                                          \
  for (struct dpu_emu_iter __dpu_it = dpu_emu_iter_start(set);                                                \
       __dpu_it.has_next && ((d) = __dpu_it.cur, (i) = __dpu_it.count, 1); dpu_emu_iter_next(&__dpu_it))
#define DPU_EMU_FOREACH_PICK(_1, _2, _3, NAME, ...) NAME
#define DPU_FOREACH(...) DPU_EMU_FOREACH_PICK(__VA_ARGS__, DPU_EMU_FOREACH_3, DPU_EMU_FOREACH_2, unused)(__VA_ARGS__)

/* ---- Emulator-only extensions (not in the SDK): exact per-DPU counters and the last fault message ---- */
struct dpu_emu_stats {
  uint64_t mram_reads;          /* mram_read calls */
  uint64_t mram_read_bytes;
  uint64_t mram_writes;         /* mram_write calls */
  uint64_t mram_write_bytes;
  uint64_t instructions;        /* instruction estimate from the kernel's annotated loops */
  uint64_t host_to_dpu_bytes;   /* bytes written by the host (copy_to, broadcast, push_xfer) */
  uint64_t dpu_to_host_bytes;
  uint64_t host_transfers;      /* host transfer operations that touched this DPU */
  uint64_t launches;
};
/** Counters of one DPU (a set of kind DPU_SET_DPU), accumulated since allocation or the last reset. */
dpu_error_t dpu_emu_get_stats(struct dpu_set_t dpu, struct dpu_emu_stats *out);
dpu_error_t dpu_emu_reset_stats(struct dpu_set_t dpu_set);
/** The message of the last error in this thread (fault or rejected host access), "" if none. */
const char *dpu_emu_last_error(void);

#endif
