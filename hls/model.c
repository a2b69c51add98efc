/* Model loading by file kind. */
#include "model.h"

#include "calcache.h"
#include "onnx.h"
#include "passes.h"

#include <stdlib.h>
#include <string.h>

int ff_path_is_ffq(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".ffq") == 0;
}

int ff_model_load_graph(const char *path, ff_graph **out, ff_err *e)
{
    *out = NULL;
    if (ff_path_is_ffq(path)) {
        ff_qmodel *q;
        int rc = ff_ffq_read(path, &q, e);
        if (rc)
            return rc;
        *out = q->g;
        q->g = ff_graph_new(); /* keep the graph, free the rest */
        q->g->nn = 0;
        free(q->qn);
        q->qn = NULL;
        ff_qmodel_free(q);
        return FF_OK;
    }
    ff_graph *g;
    int rc = ff_onnx_load(path, &g, e);
    if (rc)
        return rc;
    rc = ff_passes_run(g, e);
    if (rc) {
        ff_graph_free(g);
        return ff_err_prefix(e, "%s", path);
    }
    *out = g;
    return FF_OK;
}

int ff_model_load_quant(const char *path, const ff_quant_opts *o, ff_qmodel **out, ff_err *e)
{
    *out = NULL;
    if (ff_path_is_ffq(path)) {
        if (o && (o->config || o->wbits || o->abits || o->calib))
            return ff_errf(e, FF_EINPUT, "%s is already quantized: --quant, --wbits, --abits and --calib apply to .onnx models", path);
        int rc = ff_ffq_read(path, out, e);
        if (!rc && o && o->reuse)
            for (int i = 0; i < (*out)->g->nn; i++)
                (*out)->qn[i].cfg.reuse = o->reuse;
        return rc;
    }
    if (o && o->config && (o->wbits || o->abits))
        return ff_errf(e, FF_EINPUT, "use either --quant CONFIG or --wbits/--abits, not both");
    ff_qconfig *cfg = NULL;
    int rc = FF_OK;
    if (o && o->config)
        rc = ff_qconfig_load(o->config, &cfg, e);
    else
        cfg = ff_qconfig_default(o && o->wbits ? o->wbits : 8, o && o->abits ? o->abits : 8);
    if (rc)
        return rc;
    if (o && o->reuse)
        ff_qconfig_set_reuse(cfg, o->reuse);
    ff_graph *g;
    rc = ff_model_load_graph(path, &g, e);
    if (rc) {
        ff_qconfig_free(cfg);
        return rc;
    }
    ff_calib_opts co = {0};
    ff_samples cs = {0};
    if (o && o->calib) {
        rc = ff_samples_read(o->calib, ff_tensor_size(&g->t[g->input]), &cs, e);
        if (rc) {
            ff_graph_free(g);
            ff_qconfig_free(cfg);
            return rc;
        }
        co.samples = cs.data;
        co.n = cs.n;
    }
    if (o && o->calib_limit > 0)
        co.n = co.samples && co.n < o->calib_limit ? co.n : o->calib_limit;
    co.percentile = o ? o->percentile : 0;
    co.mse = o ? o->mse : 0;
    /* percentile and MSE clipping need the samples themselves */
    int cache = o && o->calib_cache && !co.mse && (co.percentile <= 0 || co.percentile >= 100);
    char key[65];
    ff_calib_ranges r = {0};
    if (cache) {
        ff_calib_cache_key(g->source_sha256, &co, ff_tensor_size(&g->t[g->input]), key);
        if (ff_calib_cache_load(o->calib_cache, key, &r))
            co.ranges = &r;
        else
            co.ranges_out = &r;
    }
    /* the key names the model file and the inputs: the cached ranges are of this graph */
    if (o && o->calib_cached)
        *o->calib_cached = co.ranges != NULL;
    rc = ff_quantize(g, cfg, &co, out, e);
    if (!rc && co.ranges_out)
        ff_calib_cache_store(o->calib_cache, key, &r);
    ff_calib_ranges_free(&r);
    ff_samples_free(&cs);
    ff_qconfig_free(cfg);
    return rc;
}
