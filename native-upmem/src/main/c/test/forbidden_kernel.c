/* Test kernel that performs, on request, each access real DPUs forbid (mode in a __host variable). */
#include <alloc.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

__host uint32_t forbidden_mode;
__host uint64_t forbidden_result;

int main(void) {
  if (me() != 0) {
    return 0;
  }
  mem_reset();
  uint64_t *buf = mem_alloc(4096);
  __mram_ptr uint8_t *heap = (__mram_ptr uint8_t *)DPU_MRAM_HEAP_POINTER;
  uint64_t on_stack[4] = {0, 0, 0, 0};
  switch (forbidden_mode) {
    case 0: mram_read(heap, buf, 16); break;                          /* legal */
    case 1: mram_read(heap, buf, 12); break;                          /* size not a multiple of 8 */
    case 2: mram_read(heap, buf, 4096); break;                        /* more than 2048 bytes */
    case 3: mram_read(heap + 4, buf, 8); break;                       /* unaligned MRAM address */
    case 4: mram_read(heap + (64u << 20) - 8, buf, 16); break;        /* MRAM overflow */
    case 5: mram_read(heap, (uint8_t *)buf + 4, 8); break;            /* unaligned WRAM address */
    case 6: mram_read(heap, on_stack, 8); break;                      /* not in the emulated WRAM */
    case 7: buf = mem_alloc(64 * 1024); break;                        /* WRAM heap overflow */
    case 8: mram_write(buf, heap + (64u << 20), 8); break;            /* write past MRAM */
    default: break;
  }
  forbidden_result = buf[0] + on_stack[0] * 0;
  return 0;
}
