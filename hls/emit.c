/* Shared back-end plumbing: the emitter table, FPGA parts, reuse factors,
 * and file output. */
#include "emit.h"

#include "emit_rtl.h"
#include "emit_opencl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const ff_emitter *const ff_emitters[] = {
    &ff_emitter_rtl,
    &ff_emitter_hls,
    &ff_emitter_opencl,
    NULL,
};

const ff_emitter *ff_emitter_find(const char *name)
{
    for (int i = 0; ff_emitters[i]; i++)
        if (!strcmp(ff_emitters[i]->name, name))
            return ff_emitters[i];
    return NULL;
}

/* Capacities from the vendors' product tables (LUT, FF, DSP slices, 18 Kb BRAM). */
static const ff_part parts[] = {
    {"xc7z020", "xc7", 53200, 106400, 220, 280},
    {"xc7z045", "xc7", 218600, 437200, 900, 1090},
    {"xczu9eg", "xcup", 274080, 548160, 2520, 1824},
    {"xcu50", "xcup", 871680, 1743360, 5952, 2688},
    {"xcu250", "xcup", 1728000, 3456000, 12288, 5376},
};

const ff_part *ff_part_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!strncmp(name, parts[i].name, strlen(parts[i].name)))
            return &parts[i];
    return NULL;
}

const char *ff_part_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "", parts[i].name);
    return buf;
}

void ff_layer_mac_shape(const ff_graph *g, const ff_node *n, int64_t *n_in, int64_t *n_out)
{
    switch (n->op) {
    case FF_OP_DENSE:
    case FF_OP_CONV:
        *n_out = n->n_out_f;
        *n_in = ff_node_wcount(g, n) / n->n_out_f;
        return;
    case FF_OP_SCALE:
        *n_in = 1;
        *n_out = n->n_out_f;
        return;
    default:
        *n_in = *n_out = 0;
    }
}

int ff_reuse_valid(int64_t n_in, int64_t total, int64_t reuse)
{
    return reuse >= 1 && reuse <= total && (n_in % reuse == 0 || (reuse % n_in == 0 && total % reuse == 0));
}

int ff_reuse_check(const ff_graph *g, const ff_node *n, int reuse, ff_err *e)
{
    int64_t ni, no;
    ff_layer_mac_shape(g, n, &ni, &no);
    if (ni == 0)
        return 1; /* layers without multipliers accept any reuse */
    int64_t total = ni * no;
    if (ff_reuse_valid(ni, total, reuse))
        return 1;
    char list[256] = "";
    int shown = 0;
    for (int64_t r = 1; r <= total && shown < 24; r++)
        if (ff_reuse_valid(ni, total, r)) {
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lld", shown ? ", " : "", (long long)r);
            shown++;
        }
    ff_errf(e, FF_EINPUT,
            "layer '%s' (%s, %lld inputs x %lld outputs): reuse factor %d is not valid; "
            "it must divide %lld, or be a multiple of %lld that divides %lld (valid: %s%s)",
            n->name, ff_op_name(n->op), (long long)ni, (long long)no, reuse, (long long)ni, (long long)ni,
            (long long)total, list, shown == 24 ? ", ..." : "");
    return 0;
}

int ff_mkdirs(const char *dir, ff_err *e)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return ff_errf(e, FF_EINPUT, "path too long: %s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return ff_errf(e, FF_EINPUT, "cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return ff_errf(e, FF_EINPUT, "cannot create %s: %s", buf, strerror(errno));
    return FF_OK;
}

int ff_emit_file(const char *dir, const char *rel, const char *text, ff_err *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
        return ff_errf(e, FF_EINPUT, "path too long: %s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = 0;
    int rc = ff_mkdirs(path, e);
    *slash = '/';
    if (rc)
        return rc;
    return ff_write_file_atomic(path, text, strlen(text), e);
}

void ff_ident(const char *in, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0)
        return;
    if (!((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z')) && o + 1 < n)
        out[o++] = 'l';
    for (; *in && o + 1 < n; in++) {
        char c = *in;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!ok)
            c = '_';
        if (c == '_' && o > 0 && out[o - 1] == '_')
            continue;
        out[o++] = c;
    }
    while (o > 1 && out[o - 1] == '_')
        o--;
    out[o] = 0;
}
