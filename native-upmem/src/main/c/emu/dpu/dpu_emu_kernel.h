/*
 * Emulated DPU-side runtime: what the SDK's defs.h, mram.h, alloc.h and barrier.h give a kernel. A kernel is
 * compiled with -DDPU_EMU_PROGRAM=<name>: its main() becomes <name>_main, its WRAM globals (__host, BARRIER_INIT)
 * go into the ELF section dpu_wram_<name>, which the emulator swaps in and out per DPU so every DPU has its own
 * WRAM. MRAM is reached only through mram_read/mram_write on __mram_ptr addresses (DPU_MRAM_HEAP_POINTER and
 * offsets from it); those addresses point into a PROT_NONE reservation, so a direct dereference crashes loudly.
 */
#ifndef SPARKFUSION_EMU_DPU_KERNEL_H
#define SPARKFUSION_EMU_DPU_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifndef DPU_EMU_PROGRAM
#error "Emulated DPU kernels are compiled with -DDPU_EMU_PROGRAM=<program name>"
#endif
#ifndef NR_TASKLETS
#error "NR_TASKLETS must be defined (-DNR_TASKLETS=16), as for the SDK's DPU compiler"
#endif
#ifndef STACK_SIZE_DEFAULT
#define STACK_SIZE_DEFAULT 1024
#endif

#define DPU_EMU_CAT(a, b) a##b
#define DPU_EMU_XCAT(a, b) DPU_EMU_CAT(a, b)
#define DPU_EMU_STR(a) #a
#define DPU_EMU_XSTR(a) DPU_EMU_STR(a)
#define DPU_EMU_SECTION DPU_EMU_XCAT(dpu_wram_, DPU_EMU_PROGRAM)

#define __mram_ptr
#define __dma_aligned __attribute__((aligned(8)))
#define __host __attribute__((section(DPU_EMU_XSTR(DPU_EMU_SECTION)), aligned(8), used))
#define __mram_noinit _Static_assert(0, "emulated kernels keep MRAM data behind DPU_MRAM_HEAP_POINTER");

#include "dpu_emu_runtime.h"

/* Program registration: runs when the library or executable holding the kernel is loaded. */
#define main DPU_EMU_XCAT(DPU_EMU_PROGRAM, _main)
int main(void);
extern char DPU_EMU_XCAT(__start_, DPU_EMU_SECTION)[] __attribute__((weak));
extern char DPU_EMU_XCAT(__stop_, DPU_EMU_SECTION)[] __attribute__((weak));
__attribute__((constructor)) static void dpu_emu_register_this_program(void) {
  dpu_emu_register_program(DPU_EMU_XSTR(DPU_EMU_PROGRAM), main, DPU_EMU_XCAT(__start_, DPU_EMU_SECTION),
                           DPU_EMU_XCAT(__stop_, DPU_EMU_SECTION), NR_TASKLETS, STACK_SIZE_DEFAULT);
}

#endif
