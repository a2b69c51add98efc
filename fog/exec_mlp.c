/* Built-in executor: a deterministic integer MLP 16-64-32-32-5 with fixed
 * pseudo-random int8 weights, ReLU and a right-shift requantisation between
 * layers. It is real compute (about 4.3k MACs) so fog round trips include a
 * model-sized inference, and it is reentrant (weights are read-only). */
#include "fog_exec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define L0 16
#define L1 64
#define L2 32
#define L3 32
#define L4 5

static int8_t w1[L1][L0], w2[L2][L1], w3[L3][L2], w4[L4][L3];
static int32_t b1[L1], b2[L2], b3[L3], b4[L4];
static pthread_once_t weights_once = PTHREAD_ONCE_INIT;

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void fill(int8_t *w, size_t n, int32_t *b, size_t nb, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) w[i] = (int8_t)(xorshift(&seed) & 0xff);
    for (size_t i = 0; i < nb; i++) b[i] = (int32_t)(xorshift(&seed) % 512u) - 256;
}

static void init_weights(void)
{
    fill(&w1[0][0], sizeof w1, b1, L1, 0x9e3779b9u);
    fill(&w2[0][0], sizeof w2, b2, L2, 0x85ebca6bu);
    fill(&w3[0][0], sizeof w3, b3, L3, 0xc2b2ae35u);
    fill(&w4[0][0], sizeof w4, b4, L4, 0x27d4eb2fu);
}

static int8_t sat8(int64_t v)
{
    return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

static void dense_relu(const int8_t *x, size_t nin, const int8_t *w, const int32_t *b, int8_t *y, size_t nout)
{
    for (size_t o = 0; o < nout; o++) {
        int64_t acc = b[o];
        for (size_t i = 0; i < nin; i++) acc += (int32_t)w[o * nin + i] * x[i];
        acc >>= 7;
        y[o] = acc < 0 ? 0 : sat8(acc);
    }
}

void ff_exec_mlp_forward(const int32_t in[FF_EXEC_MLP_IN], int32_t out[FF_EXEC_MLP_OUT])
{
    pthread_once(&weights_once, init_weights);
    int8_t x0[L0], x1[L1], x2[L2], x3[L3];
    for (size_t i = 0; i < L0; i++) x0[i] = sat8(in[i]);
    dense_relu(x0, L0, &w1[0][0], b1, x1, L1);
    dense_relu(x1, L1, &w2[0][0], b2, x2, L2);
    dense_relu(x2, L2, &w3[0][0], b3, x3, L3);
    for (size_t o = 0; o < L4; o++) {
        int64_t acc = b4[o];
        for (size_t i = 0; i < L3; i++) acc += (int32_t)w4[o][i] * x3[i];
        out[o] = (int32_t)acc;
    }
}

struct mlp_ctx {
    uint64_t predicted_us;
};

static uint64_t now_ns(void) { return ff_fog_mono_ns(); }

static int mlp_open(const char *bundle_dir, const char *name, const char *backend, void **ctx, char *err)
{
    (void)bundle_dir;
    if (!name || strcmp(name, FF_EXEC_MLP_BUNDLE) != 0)
        return ff_fog_fail(err, FF_FOG_EINPUT, "unknown bundle: %s (the built-in executor serves %s)",
                           name ? name : "(null)", FF_EXEC_MLP_BUNDLE);
    if (backend && strcmp(backend, "auto") != 0 && strcmp(backend, "cpu") != 0)
        return ff_fog_fail(err, FF_FOG_EINPUT, "backend not available in the built-in executor: %s", backend);
    struct mlp_ctx *c = calloc(1, sizeof *c);
    if (!c) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory opening %s", name);
    /* Calibrate: the minimum of a few runs predicts the compute latency. */
    int32_t in[L0], out[L4];
    uint64_t best = UINT64_MAX;
    for (int r = 0; r < 32; r++) {
        for (int i = 0; i < L0; i++) in[i] = (r * 7 + i * 13) % 255 - 127;
        uint64_t t0 = now_ns();
        ff_exec_mlp_forward(in, out);
        uint64_t d = now_ns() - t0;
        if (d < best) best = d;
    }
    c->predicted_us = best / 1000u + 1u;
    *ctx = c;
    return FF_FOG_OK;
}

static size_t mlp_n_in(void *ctx) { (void)ctx; return L0; }
static size_t mlp_n_out(void *ctx) { (void)ctx; return L4; }

static int mlp_infer(void *ctx, const int32_t *in, size_t n_in, int32_t *out, size_t n_out, uint64_t *compute_ns,
                     char *err)
{
    (void)ctx;
    if (n_in != L0) return ff_fog_fail(err, FF_FOG_EINPUT, "input has %zu elements, model wants %d", n_in, L0);
    if (n_out < L4) return ff_fog_fail(err, FF_FOG_EINPUT, "output buffer has %zu elements, model gives %d", n_out, L4);
    uint64_t t0 = now_ns();
    ff_exec_mlp_forward(in, out);
    if (compute_ns) *compute_ns = now_ns() - t0;
    return FF_FOG_OK;
}

static uint64_t mlp_predicted(void *ctx) { return ((struct mlp_ctx *)ctx)->predicted_us; }
static void mlp_close(void *ctx) { free(ctx); }

const ff_exec_ops ff_exec_mlp_ops = {
    "builtin-mlp", mlp_open, mlp_n_in, mlp_n_out, mlp_infer, mlp_predicted, mlp_close, NULL, NULL,
};

int ff_exec_open(ff_exec *e, const ff_exec_ops *ops, const char *bundle_dir, const char *bundle, const char *backend,
                 char *err)
{
    memset(e, 0, sizeof *e);
    e->ops = ops ? ops : &ff_exec_mlp_ops;
    int rc = e->ops->open(bundle_dir, bundle, backend, &e->ctx, err);
    if (rc) {
        e->ops = NULL;
        return rc;
    }
    size_t n = strlen(bundle);
    if (n >= sizeof e->bundle) n = sizeof e->bundle - 1;
    memcpy(e->bundle, bundle, n);
    e->bundle[n] = 0;
    e->has_sha256 = e->ops->sha256 && e->ops->sha256(e->ctx, e->sha256) == FF_FOG_OK;
    return FF_FOG_OK;
}

int ff_exec_infer(ff_exec *e, const int32_t *in, size_t n_in, int32_t *out, size_t n_out, uint64_t *compute_ns,
                  char *err)
{
    if (!e->ops) return ff_fog_fail(err, FF_FOG_EINPUT, "executor not open");
    return e->ops->infer(e->ctx, in, n_in, out, n_out, compute_ns, err);
}

void ff_exec_close(ff_exec *e)
{
    if (e && e->ops) e->ops->close(e->ctx);
    if (e) {
        e->ops = NULL;
        e->ctx = NULL;
    }
}
