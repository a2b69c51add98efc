/* verilator backend: an emulated FPGA. dlopen()s the bundle's Verilated
 * model (kind "verilator", built by the RTL back-end, sim/ffsim.h) with
 * RTLD_LOCAL and drives it through its extern "C" API: create, reset, push a
 * sample, pull a result, cycle count, destroy. A Verilated model is
 * single-threaded, so concurrent callers each take an instance from a free
 * list. Cycle counts are reported in the session stats. */
#include "backend.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shim's C API (sim/ffsim.h on the rtl branch). */
typedef struct ffsim_api {
    void *(*create)(void);
    void (*reset)(void *sim);
    int (*push)(void *sim, const int32_t *in);  /* 0 ok */
    int (*pull)(void *sim, int32_t *out);       /* 0 ok: runs the clock until a result is out */
    uint64_t (*cycles)(const void *sim);
    void (*destroy)(void *sim);
} ffsim_api;

typedef struct inst {
    void *sim;
    struct inst *next;
} inst;

typedef struct vl_ctx {
    void *so;
    int64_t isz, osz;
    ffsim_api api;
    pthread_mutex_t lk;
    inst *free_list;
} vl_ctx;

static int vl_probe(char *detail, size_t n)
{
    snprintf(detail, n, "Verilator-emulated FPGA (runs bundles that carry a Verilator library)");
    return 1;
}

static int vl_auto_ok(void) { return 0; } /* an emulator is never the best device */

static int vl_open(ff_bundle *b, const ff_session_opts *o, void **ctx, char *device, size_t ndev, ff_err *e)
{
    if (!ff_bundle_artifact(b, "verilator"))
        return ff_errf(e, FF_EUNAVAILABLE,
                       "verilator: unavailable: bundle has no Verilator library (create it with --with rtl)");
    char path[4096];
    int rc = ff_bundle_artifact_path(b, "verilator", path, sizeof path, e);
    if (rc)
        return rc;
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!so)
        return ff_errf(e, FF_EUNAVAILABLE, "verilator: unavailable: cannot load %s: %s", path, dlerror());
    vl_ctx *c = ff_calloc(1, sizeof *c);
    c->so = so;
    static const char *names[] = {"ffsim_create", "ffsim_reset", "ffsim_push", "ffsim_pull", "ffsim_cycles",
                                  "ffsim_destroy"};
    void **fp = (void **)&c->api;
    for (int i = 0; i < 6; i++) {
        fp[i] = dlsym(so, names[i]);
        if (!fp[i]) {
            dlclose(so);
            free(c);
            return ff_errf(e, FF_EUNAVAILABLE, "verilator: unavailable: %s does not export %s", path, names[i]);
        }
    }
    pthread_mutex_init(&c->lk, NULL);
    c->isz = ff_graph_in_size(b->q->g);
    c->osz = ff_graph_out_size(b->q->g);
    snprintf(device, ndev, "Verilator model %s", path);
    *ctx = c;
    return FF_OK;
}

static int vl_run(void *ctx, const int32_t *in, int32_t *out, int64_t n, uint64_t *cycles, ff_err *e)
{
    vl_ctx *c = ctx;
    pthread_mutex_lock(&c->lk);
    inst *it = c->free_list;
    if (it)
        c->free_list = it->next;
    pthread_mutex_unlock(&c->lk);
    if (!it) {
        it = ff_calloc(1, sizeof *it);
        it->sim = c->api.create();
        if (!it->sim) {
            free(it);
            return ff_errf(e, FF_EDEVICE, "verilator: the model could not be created");
        }
        c->api.reset(it->sim);
    }
    uint64_t c0 = c->api.cycles(it->sim);
    int rc = FF_OK;
    for (int64_t k = 0; k < n && !rc; k++)
        if (c->api.push(it->sim, in + k * c->isz) || c->api.pull(it->sim, out + k * c->osz))
            rc = ff_errf(e, FF_EDEVICE, "verilator: the model failed on sample %lld", (long long)k);
    if (cycles)
        *cycles += c->api.cycles(it->sim) - c0;
    pthread_mutex_lock(&c->lk);
    it->next = c->free_list;
    c->free_list = it;
    pthread_mutex_unlock(&c->lk);
    return rc;
}

static void vl_close(void *ctx)
{
    vl_ctx *c = ctx;
    while (c->free_list) {
        inst *it = c->free_list;
        c->free_list = it->next;
        c->api.destroy(it->sim);
        free(it);
    }
    dlclose(c->so);
    pthread_mutex_destroy(&c->lk);
    free(c);
}

const ff_backend ff_backend_verilator = {
    "verilator", "Verilator-emulated FPGA from the bundle's simulation library (cycle counts)", vl_probe,
    vl_auto_ok, vl_open, vl_run, vl_close,
};
