/* Emulated <mram.h>: DMA between MRAM and WRAM, with the hardware's rules checked (8-byte aligned addresses,
 * sizes a multiple of 8 from 8 to 2048 bytes, inside the 64 MB MRAM and the 64 KB WRAM). */
#ifndef SPARKFUSION_EMU_MRAM_H
#define SPARKFUSION_EMU_MRAM_H
#include "dpu_emu_kernel.h"
#define DPU_MRAM_HEAP_POINTER ((__mram_ptr void *)dpu_emu_mram_heap_pointer())
static inline void mram_read(const __mram_ptr void *from, void *to, unsigned int nb_of_bytes) {
  dpu_emu_mram_read(from, to, nb_of_bytes);
}
static inline void mram_write(const void *from, __mram_ptr void *to, unsigned int nb_of_bytes) {
  dpu_emu_mram_write(from, to, nb_of_bytes);
}
#endif
