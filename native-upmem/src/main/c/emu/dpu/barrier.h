/* Emulated <barrier.h>. */
#ifndef SPARKFUSION_EMU_BARRIER_H
#define SPARKFUSION_EMU_BARRIER_H
#include "dpu_emu_kernel.h"
#define BARRIER_INIT(name, counter) \
  barrier_t name __attribute__((section(DPU_EMU_XSTR(DPU_EMU_SECTION)), aligned(8), used)) = {(counter), 0, 0, 0}
static inline void barrier_wait(barrier_t *barrier) { dpu_emu_barrier_wait(barrier); }
#endif
