/* The device interface: one vtable that every backend fills in its own file
 * (host/backend_{cpu,opencl,verilator,xrt}.c). host/runtime.c drives it and
 * never names a device. Backends see raw integers only; the runtime does the
 * float boundary conversions, batching bookkeeping and the async queue. */
#ifndef FF_BACKEND_H
#define FF_BACKEND_H
#include "bundle.h"
#include "exec.h"

#include <stddef.h>

typedef struct ff_backend {
    const char *name;
    const char *summary;
    /* Can this backend run on this machine at all? Fills `detail` with the
     * device found or the reason it is unavailable; returns 1 when usable.
     * Must never abort (no XRT call before XILINX_XRT and a board are seen). */
    int (*probe)(char *detail, size_t n);
    /* Whether "auto" should pick it when it probes available. */
    int (*auto_ok)(void);
    /* Opens the backend on a verified bundle. FF_EUNAVAILABLE with the
     * reason when the bundle lacks what the backend needs. */
    int (*open)(ff_bundle *b, const ff_session_opts *o, void **ctx, char *device, size_t ndev, ff_err *e);
    /* Runs n samples of raw integers. Must be safe to call from many threads
     * at once on one ctx. cycles (may be NULL) receives simulated cycles. */
    int (*run)(void *ctx, const int32_t *in, int32_t *out, int64_t n, uint64_t *cycles, ff_err *e);
    void (*close)(void *ctx);
} ff_backend;

/* Every backend, in "auto" preference order, NULL-terminated (host/backends.c). */
extern const ff_backend *const ff_backends[];
const ff_backend *ff_backend_find(const char *name);

extern const ff_backend ff_backend_cpu, ff_backend_opencl, ff_backend_verilator, ff_backend_xrt;

/* Online CPUs (at least 1). */
int ff_ncpus(void);
#endif
