/* Emulated <defs.h>: tasklet identity. */
#ifndef SPARKFUSION_EMU_DEFS_H
#define SPARKFUSION_EMU_DEFS_H
#include "dpu_emu_kernel.h"
static inline sysname_t me(void) { return dpu_emu_me(); }
#endif
