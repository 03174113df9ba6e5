/*
 * Emulated UPMEM runtime: host API (emu/host/dpu.h) and DPU-side runtime (emu/dpu/dpu_emu_kernel.h).
 * Written for Spark Fusion; faithful where it matters for correctness and counting:
 *  - every DPU owns 64 MB of MRAM (lazily committed anonymous memory) and its own copy of the kernel's WRAM
 *    globals; the 64 KB WRAM budget is globals + NR_TASKLETS stacks + mem_alloc heap;
 *  - a launch runs main() on NR_TASKLETS threads per DPU (DPUs one after another, since the kernel's globals
 *    are swapped in per DPU); barriers, me() and the WRAM heap behave as on the DPU;
 *  - forbidden accesses fault the DPU (dpu_launch returns DPU_ERR_DPU_FAULT with the reason) or make the host
 *    call fail with DPU_ERR_INVALID_*_ACCESS: unaligned or wrongly sized DMA, MRAM or WRAM overflow;
 *  - exact per-DPU counters of DMA operations and bytes, annotated instructions and host transfers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host/dpu.h"
#include "dpu/dpu_emu_runtime.h"

#define EMU_MRAM_BYTES ((size_t)64 << 20)
#define EMU_WRAM_BYTES 65536u
#define EMU_MAX_PROGRAMS 16
#define EMU_DEFAULT_DPUS_PER_RANK 64
#define EMU_DEFAULT_MAX_RANKS 40 /* 2,560 DPUs: the largest published UPMEM system */

struct emu_program {
  const char *name;
  int (*entry)(void);
  char *wram_start;
  char *wram_stop;
  unsigned nr_tasklets;
  unsigned stack_size;
};

struct dpu_t {
  struct dpu_rank_t *rank;
  uint32_t index;
  uint8_t *mram;
  const struct emu_program *program;
  uint8_t *wram_image; /* this DPU's copy of the program's WRAM globals */
  void *xfer_buffer;
  struct dpu_emu_stats stats;
};

struct dpu_rank_t {
  uint32_t id;
  uint32_t nr_dpus;
  struct dpu_t *dpus;
};

static struct emu_program programs[EMU_MAX_PROGRAMS];
static int nr_programs;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* MRAM addresses seen by kernels point into this PROT_NONE reservation: offsets are exact, dereferences crash. */
static uint8_t *mram_window;
static pthread_once_t mram_window_once = PTHREAD_ONCE_INIT;

/* The running DPU (one at a time: kernel globals are process-wide and swapped per DPU). */
static pthread_mutex_t launch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dpu_t *running;
static uint8_t wram_heap[EMU_WRAM_BYTES] __attribute__((aligned(8)));
static size_t heap_capacity;
static atomic_size_t heap_used;
static atomic_int fault_flag;
static char fault_message[512];
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t barrier_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t barrier_cond = PTHREAD_COND_INITIALIZER;
static __thread int tasklet_id = -1;
static __thread char last_error[640];

static void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
}

const char *dpu_emu_last_error(void) { return last_error; }

static void make_mram_window(void) {
  void *p = mmap(NULL, EMU_MRAM_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  mram_window = p == MAP_FAILED ? NULL : (uint8_t *)p;
}

void dpu_emu_register_program(const char *name, int (*entry)(void), char *wram_start, char *wram_stop,
                              unsigned nr_tasklets, unsigned stack_size) {
  pthread_mutex_lock(&registry_lock);
  if (nr_programs < EMU_MAX_PROGRAMS) {
    programs[nr_programs++] = (struct emu_program){name, entry, wram_start, wram_stop, nr_tasklets, stack_size};
  }
  pthread_mutex_unlock(&registry_lock);
}

static size_t wram_globals_size(const struct emu_program *p) {
  return p->wram_start == NULL ? 0 : (size_t)(p->wram_stop - p->wram_start);
}

/* ------------------------------------------------------------------------------------------------ DPU side */

static void fault(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fault(const char *fmt, ...) {
  pthread_mutex_lock(&fault_lock);
  if (!atomic_load(&fault_flag)) {
    int n = snprintf(fault_message, sizeof fault_message, "tasklet %d: ", tasklet_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fault_message + n, sizeof fault_message - (size_t)n, fmt, ap);
    va_end(ap);
    atomic_store(&fault_flag, 1);
  }
  pthread_mutex_unlock(&fault_lock);
  pthread_mutex_lock(&barrier_lock);
  pthread_cond_broadcast(&barrier_cond);
  pthread_mutex_unlock(&barrier_lock);
  pthread_exit(NULL);
}

static void stop_if_faulted(void) {
  if (atomic_load(&fault_flag)) {
    pthread_exit(NULL);
  }
}

static void require_tasklet(const char *what) {
  if (tasklet_id < 0 || running == NULL) {
    fprintf(stderr, "dpu-emu: %s called outside a DPU tasklet\n", what);
    abort();
  }
}

sysname_t dpu_emu_me(void) {
  require_tasklet("me()");
  return (sysname_t)tasklet_id;
}

void *dpu_emu_mram_heap_pointer(void) {
  pthread_once(&mram_window_once, make_mram_window);
  return mram_window;
}

void dpu_emu_count_instructions(uint32_t n) {
  require_tasklet("instruction counter");
  __atomic_fetch_add(&running->stats.instructions, n, __ATOMIC_RELAXED);
}

static int in_wram(const void *p, size_t n) {
  const uint8_t *b = p;
  const struct emu_program *prog = running->program;
  if (b >= wram_heap && b + n <= wram_heap + atomic_load(&heap_used)) {
    return 1;
  }
  return prog->wram_start != NULL && b >= (uint8_t *)prog->wram_start && b + n <= (uint8_t *)prog->wram_stop;
}

static uint8_t *check_dma(const char *op, const void *mram, const void *wram, unsigned n) {
  stop_if_faulted();
  if (n < 8 || n > 2048 || n % 8 != 0) {
    fault("%s of %u bytes: DMA sizes must be a multiple of 8 from 8 to 2048 bytes", op, n);
  }
  const uint8_t *m = mram;
  if (mram_window == NULL || m < mram_window || m >= mram_window + 2 * EMU_MRAM_BYTES) {
    fault("%s: %p is not an MRAM address", op, mram);
  }
  size_t off = (size_t)(m - mram_window);
  if (off % 8 != 0) {
    fault("%s: MRAM address offset %zu is not 8-byte aligned", op, off);
  }
  if (off + n > EMU_MRAM_BYTES) {
    fault("%s: MRAM overflow, %u bytes at offset %zu pass the 64 MB MRAM", op, n, off);
  }
  if (((uintptr_t)wram) % 8 != 0) {
    fault("%s: WRAM address %p is not 8-byte aligned", op, wram);
  }
  if (!in_wram(wram, n)) {
    fault("%s: WRAM buffer %p (+%u bytes) is outside the DPU's WRAM (globals or mem_alloc heap)", op, wram, n);
  }
  return running->mram + off;
}

void dpu_emu_mram_read(const void *from, void *to, unsigned int n) {
  require_tasklet("mram_read");
  uint8_t *src = check_dma("mram_read", from, to, n);
  memcpy(to, src, n);
  __atomic_fetch_add(&running->stats.mram_reads, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&running->stats.mram_read_bytes, n, __ATOMIC_RELAXED);
}

void dpu_emu_mram_write(const void *from, void *to, unsigned int n) {
  require_tasklet("mram_write");
  uint8_t *dst = check_dma("mram_write", to, from, n);
  memcpy(dst, from, n);
  __atomic_fetch_add(&running->stats.mram_writes, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&running->stats.mram_write_bytes, n, __ATOMIC_RELAXED);
}

void *dpu_emu_mem_alloc(size_t size) {
  require_tasklet("mem_alloc");
  stop_if_faulted();
  size_t rounded = (size + 7) & ~(size_t)7;
  size_t start = atomic_fetch_add(&heap_used, rounded);
  if (start + rounded > heap_capacity) {
    fault("WRAM overflow: mem_alloc(%zu) needs %zu heap bytes but the 64 KB WRAM leaves %zu after globals "
          "(%zu B) and %u tasklet stacks of %u B",
          size, start + rounded, heap_capacity, wram_globals_size(running->program), running->program->nr_tasklets,
          running->program->stack_size);
  }
  return wram_heap + start;
}

void dpu_emu_mem_reset(void) {
  require_tasklet("mem_reset");
  atomic_store(&heap_used, 0);
}

void dpu_emu_barrier_wait(barrier_t *barrier) {
  require_tasklet("barrier_wait");
  pthread_mutex_lock(&barrier_lock);
  uint32_t generation = barrier->generation;
  if (++barrier->arrived >= barrier->count) {
    barrier->arrived = 0;
    barrier->generation++;
    pthread_cond_broadcast(&barrier_cond);
  } else {
    while (barrier->generation == generation && !atomic_load(&fault_flag)) {
      pthread_cond_wait(&barrier_cond, &barrier_lock);
    }
  }
  pthread_mutex_unlock(&barrier_lock);
  stop_if_faulted();
}

struct tasklet_start {
  struct dpu_t *dpu;
  int id;
};

static void *tasklet_main(void *arg) {
  struct tasklet_start *start = arg;
  tasklet_id = start->id;
  start->dpu->program->entry();
  return NULL;
}

/* Runs one DPU to completion. Caller holds launch_lock. Returns 0, or -1 with last_error set. */
static int run_dpu(struct dpu_t *dpu) {
  const struct emu_program *prog = dpu->program;
  size_t globals = wram_globals_size(prog);
  if (globals > 0) {
    memcpy(prog->wram_start, dpu->wram_image, globals);
  }
  running = dpu;
  heap_capacity = EMU_WRAM_BYTES - ((globals + 7) & ~(size_t)7) - (size_t)prog->nr_tasklets * prog->stack_size;
  atomic_store(&heap_used, 0);
  atomic_store(&fault_flag, 0);
  fault_message[0] = '\0';
  pthread_t threads[32];
  struct tasklet_start starts[32];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  unsigned started = 0;
  int rc = 0;
  for (unsigned t = 0; t < prog->nr_tasklets; t++) {
    starts[t] = (struct tasklet_start){dpu, (int)t};
    if (pthread_create(&threads[t], &attr, tasklet_main, &starts[t]) != 0) {
      set_error("cannot start tasklet thread %u: %s", t, strerror(errno));
      rc = -1;
      break;
    }
    started++;
  }
  pthread_attr_destroy(&attr);
  for (unsigned t = 0; t < started; t++) {
    pthread_join(threads[t], NULL);
  }
  if (rc == 0 && atomic_load(&fault_flag)) {
    set_error("DPU %u of rank %u faulted: %s", dpu->index, dpu->rank->id, fault_message);
    rc = -1;
  }
  if (globals > 0) {
    memcpy(dpu->wram_image, prog->wram_start, globals);
  }
  running = NULL;
  dpu->stats.launches++;
  return rc;
}

/* ----------------------------------------------------------------------------------------------- host side */

struct dpu_emu_iter dpu_emu_iter_start(struct dpu_set_t set) {
  struct dpu_emu_iter it;
  memset(&it, 0, sizeof it);
  it.set = set;
  it.cur.kind = DPU_SET_DPU;
  if (set.kind == DPU_SET_DPU) {
    it.has_next = set.dpu != NULL;
    it.cur.dpu = set.dpu;
  } else {
    while (it.rank < set.list.nr_ranks && set.list.ranks[it.rank]->nr_dpus == 0) {
      it.rank++;
    }
    it.has_next = it.rank < set.list.nr_ranks;
    if (it.has_next) {
      it.cur.dpu = &set.list.ranks[it.rank]->dpus[0];
    }
  }
  return it;
}

void dpu_emu_iter_next(struct dpu_emu_iter *it) {
  it->count++;
  if (it->set.kind == DPU_SET_DPU) {
    it->has_next = false;
    return;
  }
  it->member++;
  while (it->rank < it->set.list.nr_ranks && it->member >= it->set.list.ranks[it->rank]->nr_dpus) {
    it->rank++;
    it->member = 0;
  }
  it->has_next = it->rank < it->set.list.nr_ranks;
  if (it->has_next) {
    it->cur.dpu = &it->set.list.ranks[it->rank]->dpus[it->member];
  }
}

static dpu_error_t parse_profile(const char *profile, uint32_t *per_rank, uint32_t *max_ranks) {
  *per_rank = EMU_DEFAULT_DPUS_PER_RANK;
  *max_ranks = EMU_DEFAULT_MAX_RANKS;
  if (profile == NULL || profile[0] == '\0') {
    return DPU_OK;
  }
  char copy[256];
  if (strlen(profile) >= sizeof copy) {
    set_error("profile too long: %s", profile);
    return DPU_ERR_INVALID_PROFILE;
  }
  strcpy(copy, profile);
  char *save = NULL;
  for (char *kv = strtok_r(copy, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL) {
      set_error("profile entry '%s' is not key=value", kv);
      return DPU_ERR_INVALID_PROFILE;
    }
    *eq = '\0';
    const char *key = kv;
    const char *value = eq + 1;
    char *end = NULL;
    if (strcmp(key, "backend") == 0) {
      if (strcmp(value, "emu") != 0 && strcmp(value, "simulator") != 0) {
        set_error("the emulated libdpu provides no '%s' backend (only emu/simulator)", value);
        return DPU_ERR_ALLOCATION;
      }
    } else if (strcmp(key, "nrDpusPerRank") == 0 || strcmp(key, "emuMaxRanks") == 0) {
      unsigned long v = strtoul(value, &end, 10);
      uint32_t limit = strcmp(key, "nrDpusPerRank") == 0 ? 64 : 1024;
      if (end == value || *end != '\0' || v == 0 || v > limit) {
        set_error("profile %s=%s: expected 1..%u", key, value, limit);
        return DPU_ERR_INVALID_PROFILE;
      }
      *(strcmp(key, "nrDpusPerRank") == 0 ? per_rank : max_ranks) = (uint32_t)v;
    } else {
      set_error("unknown profile key '%s'", key);
      return DPU_ERR_INVALID_PROFILE;
    }
  }
  return DPU_OK;
}

static void free_ranks(struct dpu_rank_t **ranks, uint32_t nr_ranks) {
  for (uint32_t r = 0; r < nr_ranks; r++) {
    if (ranks[r] == NULL) {
      continue;
    }
    for (uint32_t d = 0; d < ranks[r]->nr_dpus; d++) {
      struct dpu_t *dpu = &ranks[r]->dpus[d];
      if (dpu->mram != NULL) {
        munmap(dpu->mram, EMU_MRAM_BYTES);
      }
      free(dpu->wram_image);
    }
    free(ranks[r]->dpus);
    free(ranks[r]);
  }
  free(ranks);
}

static dpu_error_t alloc_dpus(uint32_t nr_ranks, uint32_t nr_dpus, uint32_t per_rank, struct dpu_set_t *set) {
  struct dpu_rank_t **ranks = calloc(nr_ranks, sizeof *ranks);
  if (ranks == NULL) {
    set_error("out of host memory");
    return DPU_ERR_SYSTEM;
  }
  uint32_t left = nr_dpus;
  for (uint32_t r = 0; r < nr_ranks; r++) {
    uint32_t n = left < per_rank ? left : per_rank;
    left -= n;
    ranks[r] = calloc(1, sizeof **ranks);
    if (ranks[r] == NULL || (ranks[r]->dpus = calloc(n, sizeof(struct dpu_t))) == NULL) {
      free_ranks(ranks, nr_ranks);
      set_error("out of host memory");
      return DPU_ERR_SYSTEM;
    }
    ranks[r]->id = r;
    ranks[r]->nr_dpus = n;
    for (uint32_t d = 0; d < n; d++) {
      struct dpu_t *dpu = &ranks[r]->dpus[d];
      dpu->rank = ranks[r];
      dpu->index = d;
      void *m = mmap(NULL, EMU_MRAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (m == MAP_FAILED) {
        free_ranks(ranks, nr_ranks);
        set_error("cannot map 64 MB of emulated MRAM for DPU %u of rank %u: %s", d, r, strerror(errno));
        return DPU_ERR_ALLOCATION;
      }
      dpu->mram = m;
    }
  }
  set->kind = DPU_SET_RANKS;
  set->list.nr_ranks = nr_ranks;
  set->list.ranks = ranks;
  return DPU_OK;
}

dpu_error_t dpu_alloc_ranks(uint32_t nr_ranks, const char *profile, struct dpu_set_t *dpu_set) {
  uint32_t per_rank, max_ranks;
  dpu_error_t status = parse_profile(profile, &per_rank, &max_ranks);
  if (status != DPU_OK) {
    return status;
  }
  if (nr_ranks == DPU_ALLOCATE_ALL) {
    nr_ranks = max_ranks;
  }
  if (nr_ranks == 0 || nr_ranks > max_ranks) {
    set_error("cannot allocate %u ranks: the emulated system has %u ranks of %u DPUs", nr_ranks, max_ranks, per_rank);
    return DPU_ERR_ALLOCATION;
  }
  return alloc_dpus(nr_ranks, nr_ranks * per_rank, per_rank, dpu_set);
}

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *dpu_set) {
  uint32_t per_rank, max_ranks;
  dpu_error_t status = parse_profile(profile, &per_rank, &max_ranks);
  if (status != DPU_OK) {
    return status;
  }
  if (nr_dpus == DPU_ALLOCATE_ALL) {
    nr_dpus = max_ranks * per_rank;
  }
  uint32_t nr_ranks = (nr_dpus + per_rank - 1) / per_rank;
  if (nr_dpus == 0 || nr_ranks > max_ranks) {
    set_error("cannot allocate %u DPUs: the emulated system has %u ranks of %u DPUs", nr_dpus, max_ranks, per_rank);
    return DPU_ERR_ALLOCATION;
  }
  return alloc_dpus(nr_ranks, nr_dpus, per_rank, dpu_set);
}

dpu_error_t dpu_free(struct dpu_set_t dpu_set) {
  if (dpu_set.kind != DPU_SET_RANKS) {
    set_error("dpu_free needs the set returned by dpu_alloc");
    return DPU_ERR_INVALID_DPU_SET;
  }
  free_ranks(dpu_set.list.ranks, dpu_set.list.nr_ranks);
  return DPU_OK;
}

dpu_error_t dpu_get_nr_dpus(struct dpu_set_t dpu_set, uint32_t *nr_dpus) {
  uint32_t n = 0;
  if (dpu_set.kind == DPU_SET_DPU) {
    n = 1;
  } else {
    for (uint32_t r = 0; r < dpu_set.list.nr_ranks; r++) {
      n += dpu_set.list.ranks[r]->nr_dpus;
    }
  }
  *nr_dpus = n;
  return DPU_OK;
}

dpu_error_t dpu_get_nr_ranks(struct dpu_set_t dpu_set, uint32_t *nr_ranks) {
  *nr_ranks = dpu_set.kind == DPU_SET_RANKS ? dpu_set.list.nr_ranks : 1;
  return DPU_OK;
}

static const struct emu_program *find_program(const char *binary_path) {
  const char *base = strrchr(binary_path, '/');
  base = base == NULL ? binary_path : base + 1;
  size_t len = strcspn(base, ".");
  const struct emu_program *found = NULL;
  pthread_mutex_lock(&registry_lock);
  for (int i = 0; i < nr_programs; i++) {
    if (strlen(programs[i].name) == len && strncmp(programs[i].name, base, len) == 0) {
      found = &programs[i];
    }
  }
  pthread_mutex_unlock(&registry_lock);
  return found;
}

dpu_error_t dpu_load(struct dpu_set_t dpu_set, const char *binary_path, struct dpu_program_t **program) {
  const struct emu_program *prog = find_program(binary_path);
  if (prog == NULL) {
    set_error("no emulated DPU program named after '%s' is linked into this library", binary_path);
    return DPU_ERR_ELF_INVALID_FILE;
  }
  size_t globals = wram_globals_size(prog);
  size_t fixed = ((globals + 7) & ~(size_t)7) + (size_t)prog->nr_tasklets * prog->stack_size;
  if (prog->nr_tasklets == 0 || prog->nr_tasklets > 24) {
    set_error("program %s: NR_TASKLETS=%u, the DPU runs 1 to 24 tasklets", prog->name, prog->nr_tasklets);
    return DPU_ERR_ELF_INVALID_FILE;
  }
  if (fixed > EMU_WRAM_BYTES) {
    set_error("program %s does not fit WRAM: globals %zu B + %u tasklet stacks of %u B = %zu B > 64 KB", prog->name,
              globals, prog->nr_tasklets, prog->stack_size, fixed);
    return DPU_ERR_ELF_INVALID_FILE;
  }
  struct dpu_set_t d;
  DPU_FOREACH(dpu_set, d) {
    free(d.dpu->wram_image);
    d.dpu->wram_image = calloc(1, globals > 0 ? globals : 1);
    if (d.dpu->wram_image == NULL) {
      set_error("out of host memory");
      return DPU_ERR_SYSTEM;
    }
    if (globals > 0) {
      memcpy(d.dpu->wram_image, prog->wram_start, globals); /* initial values, as the loader writes .data */
    }
    d.dpu->program = prog;
  }
  if (program != NULL) {
    *program = (struct dpu_program_t *)(uintptr_t)prog;
  }
  return DPU_OK;
}

dpu_error_t dpu_launch(struct dpu_set_t dpu_set, dpu_launch_policy_t policy) {
  if (policy != DPU_SYNCHRONOUS && policy != DPU_ASYNCHRONOUS) {
    set_error("invalid launch policy %d", (int)policy);
    return DPU_ERR_INVALID_LAUNCH_POLICY;
  }
  struct dpu_set_t d;
  DPU_FOREACH(dpu_set, d) {
    if (d.dpu->program == NULL) {
      set_error("DPU %u of rank %u has no program loaded", d.dpu->index, d.dpu->rank->id);
      return DPU_ERR_NO_PROGRAM_LOADED;
    }
  }
  dpu_error_t status = DPU_OK;
  char first[sizeof last_error] = "";
  pthread_mutex_lock(&launch_lock);
  pthread_once(&mram_window_once, make_mram_window);
  DPU_FOREACH(dpu_set, d) {
    if (run_dpu(d.dpu) != 0 && status == DPU_OK) {
      status = DPU_ERR_DPU_FAULT;
      memcpy(first, last_error, sizeof first);
    }
  }
  pthread_mutex_unlock(&launch_lock);
  if (status != DPU_OK) {
    memcpy(last_error, first, sizeof last_error);
  }
  return status; /* asynchronous launches complete here too; dpu_sync is then a no-op */
}

dpu_error_t dpu_sync(struct dpu_set_t dpu_set) {
  (void)dpu_set;
  return DPU_OK;
}

/* Resolves a host-visible symbol to host memory of this DPU, checking the SDK's alignment and bound rules. */
static dpu_error_t resolve(struct dpu_t *dpu, const char *symbol, uint32_t offset, size_t length, uint8_t **where) {
  if (dpu->program == NULL) {
    set_error("DPU %u of rank %u has no program loaded (symbol %s)", dpu->index, dpu->rank->id, symbol);
    return DPU_ERR_NO_PROGRAM_LOADED;
  }
  if (strcmp(symbol, DPU_MRAM_HEAP_POINTER_NAME) == 0) {
    if (offset % 8 != 0 || length % 8 != 0) {
      set_error("MRAM transfer of %zu bytes at heap offset %u: offset and length must be multiples of 8", length,
                offset);
      return DPU_ERR_INVALID_MRAM_ACCESS;
    }
    if ((size_t)offset + length > EMU_MRAM_BYTES) {
      set_error("MRAM overflow: transfer of %zu bytes at heap offset %u passes the 64 MB MRAM (%zu bytes)", length,
                offset, EMU_MRAM_BYTES);
      return DPU_ERR_INVALID_MRAM_ACCESS;
    }
    *where = dpu->mram + offset;
    return DPU_OK;
  }
  const struct emu_program *prog = dpu->program;
  Dl_info info;
  void *handle = NULL;
  if (dladdr((void *)(uintptr_t)prog->entry, &info) != 0) {
    handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }
  if (handle == NULL) {
    handle = dlopen(NULL, RTLD_LAZY);
  }
  uint8_t *addr = NULL;
  if (handle != NULL) {
    char renamed[256];
    snprintf(renamed, sizeof renamed, "%s__%s", symbol, prog->name);
    addr = dlsym(handle, renamed);
    if (addr == NULL) {
      addr = dlsym(handle, symbol);
    }
  }
  if (handle != NULL) {
    dlclose(handle);
  }
  const ElfW(Sym) *sym = NULL;
  if (addr == NULL || prog->wram_start == NULL || addr < (uint8_t *)prog->wram_start ||
      addr >= (uint8_t *)prog->wram_stop || dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL) {
    set_error("program %s has no __host WRAM symbol '%s'", prog->name, symbol);
    return DPU_ERR_UNKNOWN_SYMBOL;
  }
  if (offset % 4 != 0 || length % 4 != 0) {
    set_error("WRAM transfer of %zu bytes at offset %u of %s: offset and length must be multiples of 4", length, offset,
              symbol);
    return DPU_ERR_INVALID_WRAM_ACCESS;
  }
  if ((size_t)offset + length > sym->st_size) {
    set_error("WRAM transfer of %zu bytes at offset %u passes the end of %s (%zu bytes)", length, offset, symbol,
              (size_t)sym->st_size);
    return DPU_ERR_INVALID_SYMBOL_ACCESS;
  }
  *where = dpu->wram_image + (addr - (uint8_t *)prog->wram_start) + offset;
  return DPU_OK;
}

static dpu_error_t transfer(struct dpu_t *dpu, dpu_xfer_t xfer, const char *symbol, uint32_t offset, void *buffer,
                            size_t length) {
  uint8_t *where;
  dpu_error_t status = resolve(dpu, symbol, offset, length, &where);
  if (status != DPU_OK) {
    return status;
  }
  if (xfer == DPU_XFER_TO_DPU) {
    memcpy(where, buffer, length);
    dpu->stats.host_to_dpu_bytes += length;
  } else {
    memcpy(buffer, where, length);
    dpu->stats.dpu_to_host_bytes += length;
  }
  dpu->stats.host_transfers++;
  return DPU_OK;
}

dpu_error_t dpu_copy_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset, const void *src,
                        size_t length) {
  if (dpu_set.kind != DPU_SET_DPU) {
    return dpu_broadcast_to(dpu_set, symbol_name, symbol_offset, src, length, DPU_XFER_DEFAULT);
  }
  return transfer(dpu_set.dpu, DPU_XFER_TO_DPU, symbol_name, symbol_offset, (void *)(uintptr_t)src, length);
}

dpu_error_t dpu_copy_from(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset, void *dst,
                          size_t length) {
  if (dpu_set.kind != DPU_SET_DPU) {
    set_error("dpu_copy_from needs a single DPU");
    return DPU_ERR_INVALID_DPU_SET;
  }
  return transfer(dpu_set.dpu, DPU_XFER_FROM_DPU, symbol_name, symbol_offset, dst, length);
}

dpu_error_t dpu_broadcast_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                             const void *src, size_t length, dpu_xfer_flags_t flags) {
  (void)flags;
  struct dpu_set_t d;
  DPU_FOREACH(dpu_set, d) {
    dpu_error_t status = transfer(d.dpu, DPU_XFER_TO_DPU, symbol_name, symbol_offset, (void *)(uintptr_t)src, length);
    if (status != DPU_OK) {
      return status;
    }
  }
  return DPU_OK;
}

dpu_error_t dpu_prepare_xfer(struct dpu_set_t dpu_set, void *buffer) {
  struct dpu_set_t d;
  DPU_FOREACH(dpu_set, d) { d.dpu->xfer_buffer = buffer; }
  return DPU_OK;
}

dpu_error_t dpu_push_xfer(struct dpu_set_t dpu_set, dpu_xfer_t xfer, const char *symbol_name, uint32_t symbol_offset,
                          size_t length, dpu_xfer_flags_t flags) {
  struct dpu_set_t d;
  dpu_error_t status = DPU_OK;
  DPU_FOREACH(dpu_set, d) {
    if (d.dpu->xfer_buffer != NULL && status == DPU_OK) {
      status = transfer(d.dpu, xfer, symbol_name, symbol_offset, d.dpu->xfer_buffer, length);
    }
    if (!(flags & DPU_XFER_NO_RESET)) {
      d.dpu->xfer_buffer = NULL;
    }
  }
  return status;
}

char *dpu_error_to_string(dpu_error_t status) {
  static const char *names[] = {"DPU_OK", "DPU_ERR_INTERNAL", "DPU_ERR_SYSTEM", "DPU_ERR_ALLOCATION",
                                "DPU_ERR_INVALID_LAUNCH_POLICY", "DPU_ERR_DPU_FAULT", "DPU_ERR_INVALID_DPU_SET",
                                "DPU_ERR_INVALID_SYMBOL_ACCESS", "DPU_ERR_INVALID_MRAM_ACCESS",
                                "DPU_ERR_INVALID_WRAM_ACCESS", "DPU_ERR_NO_PROGRAM_LOADED", "DPU_ERR_UNKNOWN_SYMBOL",
                                "DPU_ERR_ELF_INVALID_FILE", "DPU_ERR_INVALID_PROFILE"};
  unsigned i = (unsigned)status;
  return strdup(i < sizeof names / sizeof names[0] ? names[i] : "DPU_ERR_UNKNOWN");
}

dpu_error_t dpu_emu_get_stats(struct dpu_set_t dpu, struct dpu_emu_stats *out) {
  if (dpu.kind != DPU_SET_DPU) {
    set_error("dpu_emu_get_stats needs a single DPU");
    return DPU_ERR_INVALID_DPU_SET;
  }
  *out = dpu.dpu->stats;
  return DPU_OK;
}

dpu_error_t dpu_emu_reset_stats(struct dpu_set_t dpu_set) {
  struct dpu_set_t d;
  DPU_FOREACH(dpu_set, d) { memset(&d.dpu->stats, 0, sizeof d.dpu->stats); }
  return DPU_OK;
}
