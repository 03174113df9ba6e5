/* Entry points of the emulated DPU runtime (dpu_emu.c), shared by the kernel-side headers and the runtime. */
#ifndef SPARKFUSION_EMU_DPU_RUNTIME_H
#define SPARKFUSION_EMU_DPU_RUNTIME_H
#include <stddef.h>
#include <stdint.h>

typedef uint8_t sysname_t;

/* Runtime entry points (dpu_emu.c). */
sysname_t dpu_emu_me(void);
void dpu_emu_mram_read(const void *from, void *to, unsigned int nb_of_bytes);
void dpu_emu_mram_write(const void *from, void *to, unsigned int nb_of_bytes);
void *dpu_emu_mem_alloc(size_t size);
void dpu_emu_mem_reset(void);
void *dpu_emu_mram_heap_pointer(void);
void dpu_emu_count_instructions(uint32_t n);
void dpu_emu_register_program(const char *name, int (*entry)(void), char *wram_start, char *wram_stop,
                              unsigned nr_tasklets, unsigned stack_size);

typedef struct {
  uint32_t count;
  uint32_t arrived;
  uint32_t generation;
  uint32_t pad;
} barrier_t;
void dpu_emu_barrier_wait(barrier_t *barrier);

#endif
