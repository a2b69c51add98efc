/* ff_exec_ops over libfogforge: open bundle DIR/NAME (or DIR/NAME.tar) on a
 * backend ("auto", "cpu", "opencl", ...), infer raw int32 one sample at a
 * time (sessions are thread-safe, so worker threads share one), predicted
 * latency from the bundle's manifest. */
#include "fog_exec_bundle.h"

#include "fogforge/fogforge.h"

#include <cjson/cJSON.h>

#include "bundle.h" /* the verified manifest, for its digest */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct bundle_exec {
    ff_bundle *b;
    ff_session *s;
    size_t n_in, n_out;
    uint64_t predicted_us;
    char desc[512];
    uint8_t sha256[32];
    int has_sha256;
} bundle_exec;

static int bx_open(const char *dir, const char *name, const char *backend, void **ctx, char *err)
{
    ff_err e;
    bundle_exec *x = calloc(1, sizeof *x);
    if (!x)
        return ff_fog_fail(err, FF_FOG_ENOMEM, "bundle executor: out of memory");
    if (ff_bundle_open_named(dir, name, &x->b, &e)) {
        free(x);
        return ff_fog_fail(err, FF_FOG_EINPUT, "%s", e.msg);
    }
    if (ff_session_open(x->b, backend && backend[0] ? backend : "auto", NULL, &x->s, &e)) {
        ff_bundle_close(x->b);
        free(x);
        return ff_fog_fail(err, e.code == FF_EINPUT || e.code == FF_EUNAVAILABLE ? FF_FOG_EINPUT : FF_FOG_ESYS,
                           "%s", e.msg);
    }
    ff_io_info ii, oi;
    ff_bundle_input(x->b, &ii);
    ff_bundle_output(x->b, &oi);
    x->n_in = (size_t)ii.size;
    x->n_out = (size_t)oi.size;
    double us = ff_bundle_predicted_latency_us(x->b, ff_session_backend(x->s));
    x->predicted_us = us > 0 ? (uint64_t)(us + 0.999) : 1;
    snprintf(x->desc, sizeof x->desc, "backend=%s device=\"%s\" bundle_path=%s", ff_session_backend(x->s),
             ff_session_device(x->s), ff_bundle_path(x->b));
    /* identity: the manifest digest (verified on open), which covers the
     * sha256 of every artifact */
    const cJSON *dg = cJSON_GetObjectItemCaseSensitive(x->b->manifest, "digest");
    if (cJSON_IsString(dg) && strlen(dg->valuestring) == 64) {
        x->has_sha256 = 1;
        for (int i = 0; i < 32 && x->has_sha256; i++) {
            unsigned v;
            if (sscanf(dg->valuestring + 2 * i, "%2x", &v) != 1) x->has_sha256 = 0;
            x->sha256[i] = (uint8_t)v;
        }
    }
    *ctx = x;
    return FF_FOG_OK;
}

static size_t bx_n_in(void *ctx) { return ((bundle_exec *)ctx)->n_in; }
static size_t bx_n_out(void *ctx) { return ((bundle_exec *)ctx)->n_out; }

static int bx_infer(void *ctx, const int32_t *in, size_t n_in, int32_t *out, size_t n_out, uint64_t *compute_ns,
                    char *err)
{
    bundle_exec *x = ctx;
    if (n_in != x->n_in)
        return ff_fog_fail(err, FF_FOG_EINPUT, "input has %zu elements, bundle %s wants %zu", n_in,
                           ff_bundle_name(x->b), x->n_in);
    if (n_out < x->n_out)
        return ff_fog_fail(err, FF_FOG_EINPUT, "output buffer has %zu elements, bundle %s gives %zu", n_out,
                           ff_bundle_name(x->b), x->n_out);
    ff_err e;
    uint64_t t0 = ff_fog_mono_ns();
    int rc = ff_session_infer_raw(x->s, in, out, 1, &e);
    if (compute_ns)
        *compute_ns = ff_fog_mono_ns() - t0;
    return rc ? ff_fog_fail(err, rc == FF_EINPUT ? FF_FOG_EINPUT : FF_FOG_ESYS, "%s", e.msg) : FF_FOG_OK;
}

static uint64_t bx_predicted(void *ctx) { return ((bundle_exec *)ctx)->predicted_us; }

static void bx_close(void *ctx)
{
    bundle_exec *x = ctx;
    ff_session_close(x->s);
    ff_bundle_close(x->b);
    free(x);
}

static const char *bx_describe(void *ctx) { return ((bundle_exec *)ctx)->desc; }

static int bx_sha256(void *ctx, uint8_t out[32])
{
    bundle_exec *x = ctx;
    if (!x->has_sha256) return FF_FOG_EINPUT;
    memcpy(out, x->sha256, 32);
    return FF_FOG_OK;
}

const ff_exec_ops ff_exec_bundle_ops = {
    "libfogforge", bx_open, bx_n_in, bx_n_out, bx_infer, bx_predicted, bx_close, bx_describe, bx_sha256,
};

static int cmp_name(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

int ff_exec_bundle_list(const char *dir, char names[][64], int max, char *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ff_fog_fail(err, FF_FOG_EINPUT, "cannot read the bundle directory %s", dir), -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096], name[64];
        struct stat st;
        size_t l = strlen(de->d_name);
        snprintf(p, sizeof p, "%s/%s/manifest.json", dir, de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".tar") && l - 4 < sizeof name)
            snprintf(name, sizeof name, "%.*s", (int)(l - 4), de->d_name);
        else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && l < sizeof name)
            snprintf(name, sizeof name, "%.63s", de->d_name);
        else
            continue;
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = !strcmp(names[i], name);
        if (!dup)
            memcpy(names[n++], name, sizeof name);
    }
    closedir(d);
    qsort(names, (size_t)n, 64, cmp_name);
    return n;
}
