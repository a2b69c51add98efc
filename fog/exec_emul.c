/* Emulated device speed (`--compute-us`): wraps an executor so that each
 * inference holds its worker for at least compute_us, and predicts that.
 * Lets the evaluation model a slow robot CPU, an edge accelerator and a
 * cloud server with the built-in MLP. Process-wide: a daemon sets it once
 * from its command line before opening executors. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fog_exec.h"

static const ff_exec_ops *inner_ops;
static uint64_t emul_us;

struct emul {
    ff_exec inner;
};

static int emul_open(const char *dir, const char *name, const char *backend, void **ctx, char *err)
{
    struct emul *e = calloc(1, sizeof *e);
    if (!e) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: executor");
    int rc = ff_exec_open(&e->inner, inner_ops, dir, name, backend, err);
    if (rc) {
        free(e);
        return rc;
    }
    *ctx = e;
    return FF_FOG_OK;
}

static size_t emul_n_in(void *ctx) { struct emul *e = ctx; return e->inner.ops->n_in(e->inner.ctx); }
static size_t emul_n_out(void *ctx) { struct emul *e = ctx; return e->inner.ops->n_out(e->inner.ctx); }

static int emul_infer(void *ctx, const int32_t *in, size_t n_in, int32_t *out, size_t n_out, uint64_t *compute_ns,
                      char *err)
{
    struct emul *e = ctx;
    uint64_t t0 = ff_fog_mono_ns();
    int rc = ff_exec_infer(&e->inner, in, n_in, out, n_out, NULL, err);
    uint64_t end = t0 + emul_us * 1000u, now;
    while ((now = ff_fog_mono_ns()) < end) {
        struct timespec ts = {(time_t)((end - now) / 1000000000u), (long)((end - now) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
    if (compute_ns) *compute_ns = ff_fog_mono_ns() - t0;
    return rc;
}

static uint64_t emul_predicted(void *ctx)
{
    struct emul *e = ctx;
    uint64_t p = e->inner.ops->predicted_latency_us(e->inner.ctx);
    return p > emul_us ? p : emul_us;
}

static void emul_close(void *ctx)
{
    struct emul *e = ctx;
    ff_exec_close(&e->inner);
    free(e);
}

static const char *emul_describe(void *ctx)
{
    struct emul *e = ctx;
    return e->inner.ops->describe ? e->inner.ops->describe(e->inner.ctx) : e->inner.ops->name;
}

static int emul_sha256(void *ctx, uint8_t out[32])
{
    struct emul *e = ctx;
    if (!e->inner.has_sha256) return FF_FOG_EINPUT;
    memcpy(out, e->inner.sha256, 32);
    return FF_FOG_OK;
}

static const ff_exec_ops emul_ops = {
    "emulated-speed", emul_open, emul_n_in, emul_n_out, emul_infer, emul_predicted, emul_close, emul_describe, emul_sha256,
};

const ff_exec_ops *ff_exec_emul_ops(const ff_exec_ops *inner, uint64_t compute_us)
{
    if (!compute_us) return inner;
    inner_ops = inner ? inner : &ff_exec_mlp_ops;
    emul_us = compute_us;
    return &emul_ops;
}
