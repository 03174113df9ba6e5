/*
 * DPU kernel: sum-pooling of embedding bags over the table shard in this DPU's MRAM.
 * Tasklets take bags round-robin; for every bag they stream its index list into WRAM, DMA each referenced row
 * (in pieces of at most UPD_COL_BLOCK words) and accumulate in int64 (native 64-bit add, no overflow for any
 * realistic bag size), then DMA the pooled row to the output area. Rows are int32 fixed point; the host scales.
 * Builds with the UPMEM SDK (dpu-upmem-dpurte-clang -DNR_TASKLETS=16) and with the emulator (gcc).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "upd_abi.h"

#ifdef DPU_EMU_PROGRAM
#define UPD_WORK(n) dpu_emu_count_instructions(n)
#else
#define UPD_WORK(n) ((void)0)
#endif

__host struct upd_args upd_args;
BARRIER_INIT(upd_barrier, NR_TASKLETS);

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

int main(void) {
  const sysname_t tasklet = me();
  if (tasklet == 0) {
    mem_reset();
    upd_args.status = UPD_STATUS_OK;
  }
  barrier_wait(&upd_barrier);

  int64_t *acc = mem_alloc(UPD_COL_BLOCK * sizeof(int64_t));
  int32_t *row = mem_alloc(UPD_COL_BLOCK * sizeof(int32_t));
  uint32_t *idx = mem_alloc(UPD_IDX_BLOCK * sizeof(uint32_t));
  uint32_t *bag = mem_alloc(2 * sizeof(uint32_t));

  const uint32_t nr_bags = upd_args.nr_bags;
  const uint32_t row_words = upd_args.row_words;
  const uint32_t nr_rows = upd_args.nr_rows;
  __mram_ptr uint8_t *heap = (__mram_ptr uint8_t *)DPU_MRAM_HEAP_POINTER;

  for (uint32_t b = tasklet; b < nr_bags; b += NR_TASKLETS) {
    mram_read(heap + upd_args.bags_off + (uint64_t)b * 8, bag, 8);
    const uint32_t first = bag[0];
    const uint32_t count = bag[1];
    for (uint32_t c0 = 0; c0 < row_words; c0 += UPD_COL_BLOCK) {
      const uint32_t width = min_u32(UPD_COL_BLOCK, row_words - c0);
      for (uint32_t d = 0; d < width; d++) {
        acc[d] = 0;
      }
      UPD_WORK(4 + 2 * width);
      for (uint32_t i = 0; i < count; i += UPD_IDX_BLOCK) {
        const uint32_t n = min_u32(UPD_IDX_BLOCK, count - i);
        const uint32_t n_even = (n + 1) & ~1u;
        mram_read(heap + upd_args.idx_off + ((uint64_t)first + i) * 4, idx, n_even * 4);
        UPD_WORK(6);
        for (uint32_t k = 0; k < n; k++) {
          const uint32_t r = idx[k];
          if (r >= nr_rows) {
            upd_args.status = UPD_STATUS_BAD_ROW;
            upd_args.bad_row = r;
            continue;
          }
          mram_read(heap + ((uint64_t)r * row_words + c0) * 4, row, width * 4);
          for (uint32_t d = 0; d < width; d++) {
            acc[d] += row[d];
          }
          /* per row: index load, bounds check, address arithmetic, DMA issue; per word: lw, ld, add/addc, sd, loop */
          UPD_WORK(8 + 6 * width);
        }
      }
      mram_write(acc, heap + upd_args.out_off + ((uint64_t)b * row_words + c0) * 8, width * 8);
      UPD_WORK(4);
    }
  }
  return 0;
}
