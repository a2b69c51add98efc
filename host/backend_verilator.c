/* verilator backend: an emulated FPGA. dlopen()s the bundle's Verilated
 * model (kind "verilator", built by the RTL back-end, sim/ffsim.h) with
 * RTLD_LOCAL and drives it through its extern "C" API: create, reset, push a
 * sample, pull a result, cycle count, destroy. A Verilated model is
 * single-threaded, so concurrent callers each take an instance from a free
 * list. Cycle counts are reported in the session stats. */
#include "backend.h"
#include "ffsim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ffsim_api {
    ffsim_get_info_fn get_info;
    ffsim_create_fn create;
    ffsim_reset_fn reset;
    ffsim_push_fn push;   /* 0 */
    ffsim_pull_fn pull;   /* 1 result, 0 none, -1 timeout */
    ffsim_cycles_fn cycles;
    ffsim_destroy_fn destroy;
} ffsim_api;

typedef struct inst {
    ffsim *sim;
    struct inst *next;
} inst;

typedef struct vl_ctx {
    void *so;
    int64_t isz, osz;
    int latency, ii;
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
    static const char *names[] = {"ffsim_get_info", "ffsim_create", "ffsim_reset", "ffsim_push",
                                  "ffsim_pull",     "ffsim_cycles", "ffsim_destroy"};
    void *fp[7];
    for (int i = 0; i < 7; i++) {
        fp[i] = dlsym(so, names[i]);
        if (!fp[i]) {
            dlclose(so);
            free(c);
            return ff_errf(e, FF_EUNAVAILABLE, "verilator: unavailable: %s does not export %s", path, names[i]);
        }
    }
    memcpy(&c->api.get_info, &fp[0], sizeof fp[0]);
    memcpy(&c->api.create, &fp[1], sizeof fp[1]);
    memcpy(&c->api.reset, &fp[2], sizeof fp[2]);
    memcpy(&c->api.push, &fp[3], sizeof fp[3]);
    memcpy(&c->api.pull, &fp[4], sizeof fp[4]);
    memcpy(&c->api.cycles, &fp[5], sizeof fp[5]);
    memcpy(&c->api.destroy, &fp[6], sizeof fp[6]);
    const ffsim_info *info = c->api.get_info();
    int64_t isz = ff_graph_in_size(b->q->g), osz = ff_graph_out_size(b->q->g);
    if (!info || info->api_version != FFSIM_API_VERSION || info->n_in != isz || info->n_out != osz) {
        int rc2 = ff_errf(e, FF_EUNAVAILABLE,
                          "verilator: unavailable: %s does not fit the bundle (api %d, %d inputs, %d outputs; the "
                          "model has %lld, %lld)",
                          path, info ? info->api_version : -1, info ? info->n_in : -1, info ? info->n_out : -1,
                          (long long)isz, (long long)osz);
        dlclose(so);
        free(c);
        return rc2;
    }
    c->latency = info->latency;
    c->ii = info->ii;
    pthread_mutex_init(&c->lk, NULL);
    c->isz = ff_graph_in_size(b->q->g);
    c->osz = ff_graph_out_size(b->q->g);
    snprintf(device, ndev, "Verilator model %s (latency %d cycles, II %d)", path, c->latency, c->ii);
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
        it->sim = c->api.create(NULL);
        if (!it->sim) {
            free(it);
            return ff_errf(e, FF_EDEVICE, "verilator: the model could not be created");
        }
        c->api.reset(it->sim);
    }
    uint64_t c0 = c->api.cycles(it->sim);
    int rc = FF_OK;
    /* push in groups, then pull: keeps the pipeline full at its II */
    for (int64_t k0 = 0; k0 < n && !rc; k0 += 64) {
        int64_t k1 = k0 + 64 < n ? k0 + 64 : n;
        for (int64_t k = k0; k < k1; k++)
            c->api.push(it->sim, in + k * c->isz);
        for (int64_t k = k0; k < k1 && !rc; k++)
            if (c->api.pull(it->sim, out + k * c->osz, 10000000) != 1)
                rc = ff_errf(e, FF_EDEVICE, "verilator: no result for sample %lld within 10M cycles", (long long)k);
    }
    if (rc) /* do not hand a model with samples in flight to the next caller */
        c->api.reset(it->sim);
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
