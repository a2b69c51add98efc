/* OpenCL back-end: writes OpenCL C 1.2 kernels that reproduce the integer
 * reference (hls/qexec.c) bit for bit: one function per layer with its
 * constants in __constant arrays, a fused kernel (one work-item per sample)
 * and one kernel per layer (work-items over samples x parts). */
#include "emit_opencl.h"

#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growing string --- */
typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = ff_realloc(b->s, b->cap);
    }
}

/* --- where each tensor lives in the kernels --- */
enum { LOC_CONST, LOC_IN, LOC_OUT, LOC_ARENA };
typedef struct {
    int kind;
    int64_t off;
} loc;

/* Reshapes and identities alias their input unless they produce the graph
 * output (then they copy). */
static int node_aliases(const ff_graph *g, const ff_node *n)
{
    return (n->op == FF_OP_RESHAPE || n->op == FF_OP_IDENTITY) && n->out != g->output;
}

static loc *plan_locs(const ff_qmodel *q, int64_t *arena)
{
    const ff_graph *g = q->g;
    loc *L = ff_calloc((size_t)g->nt, sizeof *L);
    int64_t off = 0;
    L[g->input].kind = LOC_IN;
    L[g->output].kind = LOC_OUT;
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        if (n->out == g->output)
            continue;
        if (node_aliases(g, n)) {
            L[n->out] = L[n->in[0]];
            continue;
        }
        L[n->out].kind = LOC_ARENA;
        L[n->out].off = off;
        off += ff_tensor_size(&g->t[n->out]);
    }
    if (arena)
        *arena = off;
    return L;
}

int64_t ff_opencl_arena_size(const ff_qmodel *q)
{
    int64_t a;
    free(plan_locs(q, &a));
    return a;
}

int64_t ff_opencl_layer_parts(const ff_qmodel *q, int ni)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_tensor *o = &g->t[n->out];
    switch (n->op) {
    case FF_OP_DENSE: return n->n_out_f;
    case FF_OP_CONV:
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL: {
        ff_geom r = ff_node_geom(g, n);
        return r.OH * r.OW;
    }
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL: return o->dims[o->rank - 1];
    case FF_OP_SOFTMAX: return ff_tensor_size(o) / o->dims[o->rank - 1];
    case FF_OP_CONCAT: return 1;
    case FF_OP_RESHAPE:
    case FF_OP_IDENTITY: return node_aliases(g, n) ? 0 : ff_tensor_size(o);
    default: return ff_tensor_size(o);
    }
}

/* --- constants --- */
typedef int64_t (*getter)(const void *arr, int64_t i);
static int64_t get_i32(const void *a, int64_t i) { return ((const int32_t *)a)[i]; }
static int64_t get_i64(const void *a, int64_t i) { return ((const int64_t *)a)[i]; }
static int64_t get_u16(const void *a, int64_t i) { return ((const uint16_t *)a)[i]; }
static int64_t get_rqm(const void *a, int64_t i) { return ((const ff_rq *)a)[i].m; }
static int64_t get_rqs(const void *a, int64_t i) { return ((const ff_rq *)a)[i].s; }

static void emit_array(sbuf *b, const char *type, const char *name, const void *arr, int64_t n, getter get,
                       const char *suffix)
{
    sb_printf(b, "__constant %s %s[%lld] = {", type, name, (long long)n);
    for (int64_t i = 0; i < n; i++)
        sb_printf(b, "%s%lld%s%s", i % 16 == 0 ? "\n    " : " ", (long long)get(arr, i), suffix, i + 1 < n ? "," : "");
    sb_printf(b, "\n};\n");
}

static int uses_finish(ff_op op)
{
    return op == FF_OP_DENSE || op == FF_OP_CONV || op == FF_OP_SCALE || op == FF_OP_ADD || op == FF_OP_SUB ||
           op == FF_OP_ACT;
}

/* The requantize/activate/saturate tail of node ni as a function fn_finish(v, c). */
static void emit_finish(sbuf *b, const ff_qmodel *q, int ni, const char *fn)
{
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *o = &q->qt[n->out];
    const char *c = qn->n_rq > 1 ? "c" : "0";
    sb_printf(b, "int %s_finish(long v, int c)\n{\n    long t = ff_requant(v, %s_m[%s], %s_s[%s]);\n", fn, fn, c, fn,
              c);
    switch (n->act) {
    case FF_ACT_NONE: sb_printf(b, "    return ff_sat(t, %d, %d);\n", o->qmin, o->qmax); break;
    case FF_ACT_RELU: sb_printf(b, "    return ff_sat(t < 0 ? 0 : t, %d, %d);\n", o->qmin, o->qmax); break;
    case FF_ACT_LEAKY:
        sb_printf(b,
                  "    if (t < 0) {\n        t = t < FF_INT32_MIN ? FF_INT32_MIN : t;\n"
                  "        t = ff_requant(t, %d, %d); /* alpha = %g */\n    }\n    return ff_sat(t, %d, %d);\n",
                  qn->leaky.m, qn->leaky.s, n->alpha, o->qmin, o->qmax);
        break;
    case FF_ACT_CLIP: sb_printf(b, "    return ff_sat(t, %d, %d);\n", qn->clip_lo, qn->clip_hi); break;
    case FF_ACT_SIGMOID:
    case FF_ACT_TANH:
    case FF_ACT_SELU:
    case FF_ACT_ELU: {
        int half = 1 << (qn->cfg.lut_bits - 1);
        sb_printf(b, "    return %s_lut[ff_sat(t, %d, %d) + %d]; /* %s */\n", fn, -half, half - 1, half,
                  ff_act_name(n->act));
        break;
    }
    case FF_ACT__COUNT: break;
    }
    (void)c;
    sb_printf(b, "}\n\n");
}

static void emit_constants(sbuf *b, const ff_qmodel *q, int ni, const char *fn)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    char name[160];
    if (n->op == FF_OP_DENSE || n->op == FF_OP_CONV || n->op == FF_OP_SCALE) {
        int64_t nw = n->op == FF_OP_SCALE ? n->n_out_f : ff_node_wcount(g, n);
        snprintf(name, sizeof name, "%s_w", fn);
        emit_array(b, qn->cfg.weight_bits <= 8 ? "char" : "short", name, qn->qw, nw, get_i32, "");
        snprintf(name, sizeof name, "%s_b", fn);
        emit_array(b, "long", name, qn->qb, n->n_out_f, get_i64, "L");
    }
    if (uses_finish(n->op)) {
        snprintf(name, sizeof name, "%s_m", fn);
        emit_array(b, "int", name, qn->rq, qn->n_rq, get_rqm, "");
        snprintf(name, sizeof name, "%s_s", fn);
        emit_array(b, "uchar", name, qn->rq, qn->n_rq, get_rqs, "");
        if (qn->lut) {
            snprintf(name, sizeof name, "%s_lut", fn);
            emit_array(b, "int", name, qn->lut, (int64_t)1 << qn->cfg.lut_bits, get_i32, "");
        }
    }
    if (qn->avg_rq) {
        snprintf(name, sizeof name, "%s_avg_m", fn);
        emit_array(b, "int", name, qn->avg_rq, qn->n_avg, get_rqm, "");
        snprintf(name, sizeof name, "%s_avg_s", fn);
        emit_array(b, "uchar", name, qn->avg_rq, qn->n_avg, get_rqs, "");
    }
    if (n->op == FF_OP_SOFTMAX) {
        snprintf(name, sizeof name, "%s_exp", fn);
        emit_array(b, "ushort", name, qn->exp_lut, ((int64_t)1 << qn->cfg.lut_bits) + 1, get_u16, "");
    }
}

/* Parameter list: inputs x0.., output y, part p. */
static void emit_signature(sbuf *b, const ff_node *n, const char *fn)
{
    int nin = (n->op == FF_OP_ADD || n->op == FF_OP_SUB || n->op == FF_OP_CONCAT) ? n->n_in : 1;
    sb_printf(b, "void %s(", fn);
    for (int k = 0; k < nin; k++)
        sb_printf(b, "__global const int *x%d, ", k);
    sb_printf(b, "__global int *y, int p)\n{\n");
}

static void emit_layer(sbuf *b, const ff_qmodel *q, int ni, const char *fn)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *o = &q->qt[n->out];
    const ff_tensor *to = &g->t[n->out];
    sb_printf(b, "/* layer %d '%s': %s", ni, n->name, ff_op_name(n->op));
    if (n->act != FF_ACT_NONE)
        sb_printf(b, " + %s", ff_act_name(n->act));
    sb_printf(b, ", out [");
    for (int d = 0; d < to->rank; d++)
        sb_printf(b, "%s%lld", d ? "," : "", (long long)to->dims[d]);
    sb_printf(b, "] %s%d-bit, one part = ", o->is_signed ? "int" : "uint", o->bits);
    switch (n->op) {
    case FF_OP_DENSE: sb_printf(b, "one output */\n"); break;
    case FF_OP_CONV:
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL: sb_printf(b, "one output pixel, all channels */\n"); break;
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL: sb_printf(b, "one channel */\n"); break;
    case FF_OP_SOFTMAX: sb_printf(b, "one row */\n"); break;
    case FF_OP_CONCAT: sb_printf(b, "the whole tensor */\n"); break;
    default: sb_printf(b, "one element */\n"); break;
    }
    emit_constants(b, q, ni, fn);
    if (uses_finish(n->op))
        emit_finish(b, q, ni, fn);
    emit_signature(b, n, fn);
    switch (n->op) {
    case FF_OP_DENSE: {
        int64_t nin = n->n_in_f;
        sb_printf(b,
                  "    __constant %s *w = %s_w + p * %lld;\n"
                  "    long acc = %s_b[p];\n"
                  "    for (int i = 0; i < %lld; i++)\n"
                  "        acc += (long)w[i] * x0[i];\n"
                  "    y[p] = %s_finish(ff_wrap(acc, %d), p);\n",
                  qn->cfg.weight_bits <= 8 ? "char" : "short", fn, (long long)nin, fn, (long long)nin, fn,
                  qn->cfg.acc_bits);
        break;
    }
    case FF_OP_CONV: {
        ff_geom r = ff_node_geom(g, n);
        int64_t cin_g = r.C / n->group, cout_g = r.OC / n->group;
        int kh = n->kernel[0], kw = n->kernel[1];
        sb_printf(b,
                  "    const int oh = p / %lld, ow = p %% %lld;\n"
                  "    for (int oc = 0; oc < %lld; oc++) {\n"
                  "        const int gi = oc / %lld;\n"
                  "        __constant %s *w = %s_w + oc * %lld;\n"
                  "        long acc = %s_b[oc];\n"
                  "        for (int i = 0; i < %d; i++) {\n"
                  "            const int ih = oh * %d - %d + i * %d;\n"
                  "            if (ih < 0 || ih >= %lld)\n                continue;\n"
                  "            for (int j = 0; j < %d; j++) {\n"
                  "                const int iw = ow * %d - %d + j * %d;\n"
                  "                if (iw < 0 || iw >= %lld)\n                    continue;\n"
                  "                __global const int *xp = x0 + (ih * %lld + iw) * %lld + gi * %lld;\n"
                  "                __constant %s *wp = w + (i * %d + j) * %lld;\n"
                  "                for (int c = 0; c < %lld; c++)\n"
                  "                    acc += (long)wp[c] * xp[c];\n"
                  "            }\n"
                  "        }\n"
                  "        y[p * %lld + oc] = %s_finish(ff_wrap(acc, %d), oc);\n"
                  "    }\n",
                  (long long)r.OW, (long long)r.OW, (long long)r.OC, (long long)cout_g,
                  qn->cfg.weight_bits <= 8 ? "char" : "short", fn, (long long)(kh * kw * cin_g), fn, kh,
                  n->stride[0], n->pad[0], n->dil[0], (long long)r.H, kw, n->stride[1], n->pad[1], n->dil[1],
                  (long long)r.W, (long long)r.W, (long long)r.C, (long long)cin_g,
                  qn->cfg.weight_bits <= 8 ? "char" : "short", kw, (long long)cin_g, (long long)cin_g,
                  (long long)r.OC, fn, qn->cfg.acc_bits);
        break;
    }
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL: {
        ff_geom r = ff_node_geom(g, n);
        int is_max = n->op == FF_OP_MAXPOOL;
        sb_printf(b,
                  "    const int oh = p / %lld, ow = p %% %lld;\n"
                  "    for (int c = 0; c < %lld; c++) {\n"
                  "        long acc = %s;\n"
                  "        int count = 0;\n"
                  "        for (int i = 0; i < %d; i++) {\n"
                  "            const int ih = oh * %d - %d + i;\n"
                  "            if (ih < 0 || ih >= %lld)\n                continue;\n"
                  "            for (int j = 0; j < %d; j++) {\n"
                  "                const int iw = ow * %d - %d + j;\n"
                  "                if (iw < 0 || iw >= %lld)\n                    continue;\n"
                  "                const int v = x0[(ih * %lld + iw) * %lld + c];\n"
                  "                acc = %s;\n"
                  "                count++;\n"
                  "            }\n"
                  "        }\n",
                  (long long)r.OW, (long long)r.OW, (long long)r.C, is_max ? "FF_INT64_MIN" : "0", n->kernel[0],
                  n->stride[0], n->pad[0], (long long)r.H, n->kernel[1], n->stride[1], n->pad[1], (long long)r.W,
                  (long long)r.W, (long long)r.C, is_max ? "v > acc ? v : acc" : "acc + v");
        if (is_max)
            sb_printf(b, "        (void)count;\n        y[p * %lld + c] = (int)acc;\n    }\n", (long long)r.C);
        else if (n->count_include_pad)
            sb_printf(b,
                      "        (void)count;\n        y[p * %lld + c] = ff_sat(ff_requant(acc, %s_avg_m[%d], "
                      "%s_avg_s[%d]), %d, %d);\n    }\n",
                      (long long)r.C, fn, n->kernel[0] * n->kernel[1], fn, n->kernel[0] * n->kernel[1], o->qmin,
                      o->qmax);
        else
            sb_printf(b,
                      "        y[p * %lld + c] = ff_sat(ff_requant(acc, %s_avg_m[count], %s_avg_s[count]), %d, "
                      "%d);\n    }\n",
                      (long long)r.C, fn, fn, o->qmin, o->qmax);
        break;
    }
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL: {
        const ff_tensor *t = &g->t[n->in[0]];
        int64_t C = t->dims[t->rank - 1], P = ff_tensor_size(t) / C;
        int is_max = n->op == FF_OP_GMAXPOOL;
        sb_printf(b,
                  "    long acc = %s;\n"
                  "    for (int i = 0; i < %lld; i++) {\n"
                  "        const int v = x0[i * %lld + p];\n"
                  "        acc = %s;\n"
                  "    }\n",
                  is_max ? "FF_INT64_MIN" : "0", (long long)P, (long long)C, is_max ? "v > acc ? v : acc" : "acc + v");
        if (is_max)
            sb_printf(b, "    y[p] = (int)acc;\n");
        else
            sb_printf(b, "    y[p] = ff_sat(ff_requant(acc, %s_avg_m[0], %s_avg_s[0]), %d, %d);\n", fn, fn, o->qmin,
                      o->qmax);
        break;
    }
    case FF_OP_SCALE: {
        const ff_tensor *t = &g->t[n->in[0]];
        int64_t st[FF_MAX_RANK];
        ff_strides(t, st);
        if (n->n_out_f == 1)
            sb_printf(b, "    const int c = 0;\n");
        else
            sb_printf(b, "    const int c = (p / %lld) %% %lld;\n", (long long)st[n->axis],
                      (long long)t->dims[n->axis]);
        sb_printf(b, "    long acc = ff_wrap((long)x0[p] * %s_w[c] + %s_b[c], %d);\n    y[p] = %s_finish(acc, c);\n",
                  fn, fn, qn->cfg.acc_bits, fn);
        break;
    }
    case FF_OP_ADD:
    case FF_OP_SUB:
        sb_printf(b, "    long v = (long)x0[p] * %d + (long)x1[p] * %d;\n    y[p] = %s_finish(v, 0);\n",
                  qn->in_rq[0].m, qn->in_rq[1].m, fn);
        break;
    case FF_OP_ACT: sb_printf(b, "    y[p] = %s_finish(x0[p], 0);\n", fn); break;
    case FF_OP_CONCAT: {
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < n->axis; d++)
            outer *= to->dims[d];
        for (int d = n->axis + 1; d < to->rank; d++)
            inner *= to->dims[d];
        int64_t off = 0, orow = to->dims[n->axis] * inner;
        sb_printf(b, "    (void)p;\n");
        for (int k = 0; k < n->n_in; k++) {
            int64_t len = g->t[n->in[k]].dims[n->axis] * inner;
            sb_printf(b,
                      "    for (int a = 0; a < %lld; a++)\n"
                      "        for (int i = 0; i < %lld; i++)\n"
                      "            y[a * %lld + %lld + i] = ff_sat(ff_requant(x%d[a * %lld + i], %d, %d), %d, %d);\n",
                      (long long)outer, (long long)len, (long long)orow, (long long)off, k, (long long)len,
                      qn->in_rq[k].m, qn->in_rq[k].s, o->qmin, o->qmax);
            off += len;
        }
        break;
    }
    case FF_OP_SOFTMAX: {
        int64_t L = to->dims[to->rank - 1];
        int64_t T = (int64_t)1 << qn->cfg.lut_bits;
        int es = qn->exp_shift;
        sb_printf(b,
                  "    __global const int *xr = x0 + p * %lld;\n"
                  "    __global int *yr = y + p * %lld;\n"
                  "    long e[%lld];\n"
                  "    int mx = xr[0];\n"
                  "    for (int i = 1; i < %lld; i++)\n"
                  "        mx = xr[i] > mx ? xr[i] : mx;\n"
                  "    long sum = 0;\n"
                  "    for (int i = 0; i < %lld; i++) {\n"
                  "        const long d = (long)mx - xr[i], j = d >> %d, f = d - (j << %d);\n"
                  "        if (j >= %lld) {\n"
                  "            e[i] = 0;\n"
                  "        } else {\n"
                  "            const long e0 = %s_exp[j], e1 = %s_exp[j + 1];\n"
                  "            e[i] = e0 - ff_rshr((e0 - e1) * f, %d);\n"
                  "        }\n"
                  "        sum += e[i];\n"
                  "    }\n"
                  "    const int pos = 63 - (int)clz(sum);\n"
                  "    const long m = sum >> (pos - FF_SOFTMAX_INV_BITS);\n"
                  "    const long inv = ff_softmax_inv[m - (1 << FF_SOFTMAX_INV_BITS)];\n"
                  "    const int sh = pos + 11 - %d;\n"
                  "    for (int i = 0; i < %lld; i++)\n"
                  "        yr[i] = ff_sat(ff_rshr(e[i] * inv, sh), %d, %d);\n",
                  (long long)L, (long long)L, (long long)L, (long long)L, (long long)L, es, es, (long long)T, fn, fn,
                  es, o->bits, (long long)L, o->qmin, o->qmax);
        break;
    }
    case FF_OP_RESHAPE:
    case FF_OP_IDENTITY: sb_printf(b, "    y[p] = x0[p];\n"); break;
    case FF_OP_TRANSPOSE: {
        const ff_tensor *ti = &g->t[n->in[0]];
        int64_t sx[FF_MAX_RANK];
        ff_strides(ti, sx);
        sb_printf(b, "    int k = p;\n    long src = 0;\n");
        for (int d = to->rank - 1; d >= 0; d--) {
            sb_printf(b, "    src += (long)(k %% %lld) * %lld;\n", (long long)to->dims[d], (long long)sx[n->perm[d]]);
            if (d > 0)
                sb_printf(b, "    k /= %lld;\n", (long long)to->dims[d]);
        }
        sb_printf(b, "    y[p] = x0[src];\n");
        break;
    }
    case FF_OP__COUNT: break;
    }
    sb_printf(b, "}\n\n");
}

static void loc_expr(sbuf *b, loc l)
{
    switch (l.kind) {
    case LOC_IN: sb_printf(b, "xin"); break;
    case LOC_OUT: sb_printf(b, "yout"); break;
    default: sb_printf(b, "a + %lld", (long long)l.off); break;
    }
}

static void emit_call(sbuf *b, const ff_qmodel *q, const loc *L, int ni, const char *fn, const char *indent,
                      const char *part)
{
    const ff_node *n = &q->g->n[ni];
    int nin = (n->op == FF_OP_ADD || n->op == FF_OP_SUB || n->op == FF_OP_CONCAT) ? n->n_in : 1;
    sb_printf(b, "%s%s(", indent, fn);
    for (int k = 0; k < nin; k++) {
        loc_expr(b, L[n->in[k]]);
        sb_printf(b, ", ");
    }
    loc_expr(b, L[n->out]);
    sb_printf(b, ", %s);\n", part);
}

static void layer_fn(const ff_graph *g, int ni, char *fn, size_t n)
{
    char id[48];
    ff_ident(g->n[ni].name, id, sizeof id);
    snprintf(fn, n, "L%d_%s", ni, id);
}

static const char prelude[] =
    "/* The integer primitives of docs/integer-arithmetic.md (hls/qarith.h). */\n"
    "#define FF_INT32_MIN (-2147483647L - 1)\n"
    "#define FF_INT64_MIN (-9223372036854775807L - 1)\n"
    "#define FF_SOFTMAX_INV_BITS 10\n\n"
    "/* v reduced to a signed `bits`-bit integer (accumulators wrap) */\n"
    "long ff_wrap(long v, int bits)\n{\n"
    "    return bits >= 64 ? v : (long)((ulong)v << (64 - bits)) >> (64 - bits);\n}\n\n"
    "/* round half up: (v + 2^(s-1)) >> s */\n"
    "long ff_rshr(long v, int s)\n{\n    return s > 0 ? (v + ((long)1 << (s - 1))) >> s : v;\n}\n\n"
    "int ff_sat(long v, int lo, int hi)\n{\n    return v < lo ? lo : (v > hi ? hi : (int)v);\n}\n\n"
    "long ff_requant(long v, int m, int s)\n{\n    return ff_rshr(v * (long)m, s);\n}\n\n";

char *ff_opencl_source(const ff_qmodel *q, const char *model_name)
{
    const ff_graph *g = q->g;
    sbuf b = {0};
    int64_t arena;
    loc *L = plan_locs(q, &arena);
    sb_printf(&b,
              "/* OpenCL C 1.2 kernels generated by fogforge %s.\n"
              " * model:   %s\n"
              " * sha256:  %s (source model)\n"
              " * Integer-only inference, bit-exact with `fogforge run --raw` (docs/integer-arithmetic.md).\n"
              " *\n"
              " * Kernels, all (__global const int *in, __global int *out, __global int *arena, int n):\n"
              " *   ff_model      fused: global size >= n, one work-item per sample runs every layer.\n"
              " *   ff_layer_K    one layer (node K): global size (>= n, parts of K), enqueued in order.\n"
              " * in: n x FF_IN_SIZE raw input integers; out: n x FF_OUT_SIZE; arena: n x FF_ARENA_SIZE.\n"
              " */\n\n",
              FF_VERSION, model_name ? model_name : (g->source ? g->source : "?"), g->source_sha256);
    sb_printf(&b, "#define FF_IN_SIZE %lld\n#define FF_OUT_SIZE %lld\n#define FF_ARENA_SIZE %lld\n\n",
              (long long)ff_graph_in_size(g), (long long)ff_graph_out_size(g), (long long)(arena ? arena : 1));
    sb_printf(&b, "%s", prelude);
    int need_inv = 0;
    for (int ni = 0; ni < g->nn; ni++)
        need_inv |= g->n[ni].op == FF_OP_SOFTMAX;
    if (need_inv) {
        uint16_t inv[1 << FF_SOFTMAX_INV_BITS];
        for (int i = 0; i < 1 << FF_SOFTMAX_INV_BITS; i++)
            inv[i] = ff_softmax_inv(i);
        sb_printf(&b, "/* softmax reciprocals: round(2^21 / (1024 + i)) */\n");
        emit_array(&b, "ushort", "ff_softmax_inv", inv, 1 << FF_SOFTMAX_INV_BITS, get_u16, "");
        sb_printf(&b, "\n");
    }
    char fn[64];
    for (int ni = 0; ni < g->nn; ni++) {
        if (node_aliases(g, &g->n[ni]))
            continue;
        layer_fn(g, ni, fn, sizeof fn);
        emit_layer(&b, q, ni, fn);
    }
    static const char setup[] = "    __global int *a = arena + (long)s * FF_ARENA_SIZE;\n"
                                "    __global const int *xin = in + (long)s * FF_IN_SIZE;\n"
                                "    __global int *yout = out + (long)s * FF_OUT_SIZE;\n"
                                "    (void)a; (void)xin; (void)yout;\n";
    sb_printf(&b, "/* fused: one work-item per sample */\n"
                  "__kernel void ff_model(__global const int *in, __global int *out, __global int *arena, const int n)\n"
                  "{\n    const int s = get_global_id(0);\n    if (s >= n)\n        return;\n%s",
              setup);
    for (int ni = 0; ni < g->nn; ni++) {
        int64_t parts = ff_opencl_layer_parts(q, ni);
        if (!parts)
            continue;
        layer_fn(g, ni, fn, sizeof fn);
        if (parts == 1) {
            emit_call(&b, q, L, ni, fn, "    ", "0");
        } else {
            sb_printf(&b, "    for (int p = 0; p < %lld; p++)\n", (long long)parts);
            emit_call(&b, q, L, ni, fn, "        ", "p");
        }
    }
    sb_printf(&b, "}\n\n/* one kernel per layer: work-items over (sample, part) */\n");
    for (int ni = 0; ni < g->nn; ni++) {
        int64_t parts = ff_opencl_layer_parts(q, ni);
        if (!parts)
            continue;
        layer_fn(g, ni, fn, sizeof fn);
        sb_printf(&b,
                  "__kernel void ff_layer_%d(__global const int *in, __global int *out, __global int *arena, const "
                  "int n)\n{\n    const int s = get_global_id(0), p = get_global_id(1);\n"
                  "    if (s >= n || p >= %lld)\n        return;\n%s",
                  ni, (long long)parts, setup);
        emit_call(&b, q, L, ni, fn, "    ", "p");
        sb_printf(&b, "}\n\n");
    }
    free(L);
    return b.s;
}

static int emit_opencl(const ff_qmodel *q, const ff_gen_opts *o, ff_err *e)
{
    char *src = ff_opencl_source(q, o->model_path);
    int rc = ff_emit_file(o->outdir, "opencl/model.cl", src, e);
    free(src);
    if (rc)
        return rc;
    char readme[2048];
    snprintf(readme, sizeof readme,
             "# OpenCL kernels for %s\n\n"
             "`model.cl` is OpenCL C 1.2 and computes the same integers as `fogforge run --raw`.\n\n"
             "- `ff_model(in, out, arena, n)`: fused, one work-item per sample (global size >= n).\n"
             "- `ff_layer_K(in, out, arena, n)`: one kernel per layer K, 2-D range (samples, parts),\n"
             "  enqueued in order on an in-order queue.\n\n"
             "Buffers hold raw integers (`int`): `in` n x %lld, `out` n x %lld, `arena` n x %lld.\n"
             "Quantize inputs as `q = sat(floor(x / scale + 0.5))` on the host (see the bundle manifest).\n"
             "`fogforge bundle create MODEL --with opencl` packages it; the `opencl` backend of\n"
             "libfogforge builds and runs it on any OpenCL platform.\n",
             o->model_path, (long long)ff_graph_in_size(q->g), (long long)ff_graph_out_size(q->g),
             (long long)ff_opencl_arena_size(q));
    return ff_emit_file(o->outdir, "opencl/README.md", readme, e);
}

const ff_emitter ff_emitter_opencl = {"opencl", emit_opencl,
                                      "OpenCL C 1.2 kernels (fused and per layer) for any OpenCL device"};
