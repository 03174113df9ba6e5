/* Emulated <alloc.h>: the WRAM heap (what the 64 KB leave after globals and tasklet stacks). */
#ifndef SPARKFUSION_EMU_ALLOC_H
#define SPARKFUSION_EMU_ALLOC_H
#include "dpu_emu_kernel.h"
static inline void *mem_alloc(size_t size) { return dpu_emu_mem_alloc(size); }
static inline void mem_reset(void) { dpu_emu_mem_reset(); }
#endif
