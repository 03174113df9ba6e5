/*
 * What the host library and the DPU kernel agree on: the WRAM argument block (symbol "upd_args") and the MRAM
 * layout behind DPU_MRAM_HEAP_POINTER. All offsets are bytes from the MRAM heap pointer and multiples of 8.
 *
 *   [0, nr_rows*row_words*4)      table shard: local rows of row_words int32 (fixed point), row_words even
 *   [bags_off, +nr_bags*8)        bag descriptors {uint32 first index entry (even), uint32 index count}
 *   [idx_off, ...)                uint32 local row ids; each bag's list starts at an even entry
 *   [out_off, +nr_bags*row_words*8) pooled int64 sums, bag-major
 */
#ifndef SPARKFUSION_UPD_ABI_H
#define SPARKFUSION_UPD_ABI_H
#include <stdint.h>

#define UPD_ARGS_SYMBOL "upd_args"
#define UPD_COL_BLOCK 64 /* int32 words per row DMA: 256 B, so a row of any width is read in <= 256 B pieces */
#define UPD_IDX_BLOCK 64 /* index entries per DMA */
#define UPD_MRAM_BYTES (64u << 20)

#define UPD_STATUS_OK 0u
#define UPD_STATUS_BAD_ROW 1u /* a local row id >= nr_rows: the host's routing is wrong */

struct upd_args {
  uint32_t nr_bags;
  uint32_t row_words;
  uint32_t nr_rows;
  uint32_t bags_off;
  uint32_t idx_off;
  uint32_t out_off;
  uint32_t status;
  uint32_t bad_row;
};

#endif
