/* Per-layer quantization and hardware configuration (JSON), resolved in
 * hls4ml's order: Model, then LayerType, then LayerName.
 *
 *   { "Model":     { "weight_bits": 8, "act_bits": 8, "acc_bits": 32,
 *                    "lut_bits": 10, "reuse": 1 },
 *     "LayerType": { "Dense": { "reuse": 4 } },
 *     "LayerName": { "dense_2": { "weight_bits": 6 } } }
 */
#include "quant.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int weight_bits, act_bits, acc_bits, lut_bits, reuse; /* 0 = not set */
} partial;

typedef struct {
    char *key;
    partial p;
} entry;

struct ff_qconfig {
    partial model;
    int io; /* Model.io: 0 unset, 1 parallel, 2 stream */
    int slices; /* Model.slices: 0 unset or false, 1 true */
    entry *types, *names;
    int ntypes, nnames;
};

static const struct {
    const char *key;
    size_t off;
    int lo, hi;
} fields[] = {
    {"weight_bits", offsetof(partial, weight_bits), 2, 16},
    {"act_bits", offsetof(partial, act_bits), 2, 16},
    {"acc_bits", offsetof(partial, acc_bits), 8, 48},
    {"lut_bits", offsetof(partial, lut_bits), 6, 14},
    {"reuse", offsetof(partial, reuse), 1, 1 << 20},
};

ff_qconfig *ff_qconfig_default(int wbits, int abits)
{
    ff_qconfig *c = ff_calloc(1, sizeof *c);
    c->model = (partial){wbits, abits, 0, 10, 1}; /* acc_bits 0: automatic */
    return c;
}

void ff_qconfig_free(ff_qconfig *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->ntypes; i++)
        free(c->types[i].key);
    for (int i = 0; i < c->nnames; i++)
        free(c->names[i].key);
    free(c->types);
    free(c->names);
    free(c);
}

int ff_qconfig_io(const ff_qconfig *c)
{
    return c ? c->io : 0;
}

int ff_qconfig_slices(const ff_qconfig *c)
{
    return c ? c->slices : 0;
}

void ff_qconfig_set_reuse(ff_qconfig *c, int reuse)
{
    c->model.reuse = reuse;
}

static int parse_partial(const cJSON *obj, const char *where, const char *path, partial *p, ff_err *e)
{
    if (!cJSON_IsObject(obj))
        return ff_errf(e, FF_EINPUT, "%s: %s must be an object", where, path);
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t f = 0;
        while (f < sizeof fields / sizeof fields[0] && strcmp(fields[f].key, it->string) != 0)
            f++;
        if (f == sizeof fields / sizeof fields[0])
            return ff_errf(e, FF_EINPUT,
                           "%s: %s: unknown key '%s' (known: weight_bits, act_bits, acc_bits, lut_bits, reuse%s)",
                           where, path, it->string, strcmp(path, "Model") ? "" : ", io");
        double v = it->valuedouble;
        if (!cJSON_IsNumber(it) || !(v >= fields[f].lo && v <= fields[f].hi) || v != floor(v))
            return ff_errf(e, FF_EINPUT, "%s: %s.%s must be an integer in %d..%d", where, path,
                           it->string, fields[f].lo, fields[f].hi);
        *(int *)((char *)p + fields[f].off) = (int)v;
    }
    return FF_OK;
}

static int parse_group(const cJSON *obj, const char *where, const char *gname, entry **out, int *n, ff_err *e)
{
    if (!obj)
        return FF_OK;
    if (!cJSON_IsObject(obj))
        return ff_errf(e, FF_EINPUT, "%s: %s must be an object", where, gname);
    for (const cJSON *it = obj->child; it; it = it->next) {
        *out = ff_realloc(*out, (size_t)(*n + 1) * sizeof **out);
        entry *en = &(*out)[*n];
        memset(en, 0, sizeof *en);
        en->key = ff_strdup(it->string);
        (*n)++;
        char path[300];
        snprintf(path, sizeof path, "%s.%s", gname, it->string);
        int rc = parse_partial(it, where, path, &en->p, e);
        if (rc)
            return rc;
    }
    return FF_OK;
}

static const cJSON *get2(const cJSON *root, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, a);
    return x ? x : cJSON_GetObjectItemCaseSensitive(root, b);
}

int ff_qconfig_parse(const char *json, const char *where, ff_qconfig **out, ff_err *e)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json ? (long)(at - json) : -1;
        return ff_errf(e, FF_EINPUT, "%s: invalid JSON near byte %ld", where, off);
    }
    ff_qconfig *c = ff_qconfig_default(8, 8);
    int rc = FF_OK;
    if (!cJSON_IsObject(root))
        rc = ff_errf(e, FF_EINPUT, "%s: the configuration must be a JSON object", where);
    for (const cJSON *it = root->child; !rc && it; it = it->next) {
        const char *k = it->string;
        if (strcmp(k, "Model") && strcmp(k, "model") && strcmp(k, "LayerType") &&
            strcmp(k, "layer_type") && strcmp(k, "LayerName") && strcmp(k, "layer_name"))
            rc = ff_errf(e, FF_EINPUT, "%s: unknown section '%s' (known: Model, LayerType, LayerName)",
                         where, k);
    }
    const cJSON *m = get2(root, "Model", "model");
    if (!rc && m && cJSON_IsObject(m)) {
        /* "io": "parallel" | "stream" (hls4ml's IOType), global: the RTL and HLS back-ends read it */
        cJSON *io = cJSON_DetachItemFromObjectCaseSensitive((cJSON *)m, "io");
        if (io) {
            if (cJSON_IsString(io) && !strcmp(io->valuestring, "parallel"))
                c->io = 1;
            else if (cJSON_IsString(io) && !strcmp(io->valuestring, "stream"))
                c->io = 2;
            else
                rc = ff_errf(e, FF_EINPUT, "%s: Model.io must be \"parallel\" or \"stream\"", where);
            cJSON_Delete(io);
        }
        /* "slices": true | false, global: the RTL back-end's register slices (gen --slices) */
        cJSON *sl = cJSON_DetachItemFromObjectCaseSensitive((cJSON *)m, "slices");
        if (sl && !rc) {
            if (cJSON_IsBool(sl))
                c->slices = cJSON_IsTrue(sl);
            else
                rc = ff_errf(e, FF_EINPUT, "%s: Model.slices must be true or false", where);
        }
        cJSON_Delete(sl);
    }
    if (!rc && m) {
        partial p = {0};
        rc = parse_partial(m, where, "Model", &p, e);
        for (size_t f = 0; !rc && f < sizeof fields / sizeof fields[0]; f++) {
            int v = *(int *)((char *)&p + fields[f].off);
            if (v)
                *(int *)((char *)&c->model + fields[f].off) = v;
        }
    }
    if (!rc)
        rc = parse_group(get2(root, "LayerType", "layer_type"), where, "LayerType", &c->types, &c->ntypes, e);
    for (int i = 0; !rc && i < c->ntypes; i++) {
        int known = 0;
        for (int op = 0; op < FF_OP__COUNT; op++)
            known |= strcmp(c->types[i].key, ff_op_name((ff_op)op)) == 0;
        if (!known)
            rc = ff_errf(e, FF_EINPUT,
                         "%s: LayerType '%s' is not a layer type (e.g. Dense, Conv, Activation, Softmax)",
                         where, c->types[i].key);
    }
    if (!rc)
        rc = parse_group(get2(root, "LayerName", "layer_name"), where, "LayerName", &c->names, &c->nnames, e);
    cJSON_Delete(root);
    if (rc) {
        ff_qconfig_free(c);
        return rc;
    }
    *out = c;
    return FF_OK;
}

int ff_qconfig_load(const char *path, ff_qconfig **out, ff_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    int rc = ff_read_file(path, 16u << 20, &data, &len, e);
    if (rc)
        return rc;
    rc = ff_qconfig_parse(data, path, out, e);
    free(data);
    return rc;
}

static void apply(ff_layer_cfg *c, const partial *p)
{
    if (p->weight_bits)
        c->weight_bits = p->weight_bits;
    if (p->act_bits)
        c->act_bits = p->act_bits;
    if (p->acc_bits)
        c->acc_bits = p->acc_bits;
    if (p->lut_bits)
        c->lut_bits = p->lut_bits;
    if (p->reuse)
        c->reuse = p->reuse;
}

ff_layer_cfg ff_qconfig_resolve(const ff_qconfig *c, const ff_node *n)
{
    ff_layer_cfg r = {8, 8, 0, 10, 1};
    apply(&r, &c->model);
    if (!n)
        return r;

    for (int i = 0; i < c->ntypes; i++)
        if (strcmp(c->types[i].key, ff_op_name(n->op)) == 0)
            apply(&r, &c->types[i].p);
    for (int i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i].key, n->name) == 0)
            apply(&r, &c->names[i].p);
    return r;
}

int ff_qconfig_sets_act_bits(const ff_qconfig *c, const ff_node *n)
{
    for (int i = 0; i < c->ntypes; i++)
        if (strcmp(c->types[i].key, ff_op_name(n->op)) == 0 && c->types[i].p.act_bits)
            return 1;
    for (int i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i].key, n->name) == 0 && c->names[i].p.act_bits)
            return 1;
    return 0;
}

int ff_qconfig_check(const ff_qconfig *c, const ff_graph *g, ff_err *e)
{
    for (int i = 0; i < c->nnames; i++) {
        int found = 0;
        for (int k = 0; k < g->nn && !found; k++)
            found = strcmp(g->n[k].name, c->names[i].key) == 0;
        if (!found)
            return ff_errf(e, FF_EINPUT, "config: LayerName '%s' is not a layer of the model (see fogforge inspect)",
                           c->names[i].key);
    }
    return FF_OK;
}
