/* HLS back-end, layers: one C++ function per layer (firmware/layers.cpp,
 * declared in layers.h) and its constants (firmware/weights/<layer>.h).
 * Every function computes exactly what hls/qexec.c computes for the node;
 * pragmas follow the layer's reuse factor. --io parallel passes arrays,
 * --io stream passes ff_stream (hls::stream under Vitis): convolutions and
 * pooling then keep only a line buffer of the rows their window spans. */
#include "emit_hls.h"

#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void arr32(ff_sb *b, const int32_t *v, int64_t n, int per_line)
{
    for (int64_t i = 0; i < n; i++)
        ff_sb_printf(b, "%s%d%s", i % per_line == 0 ? "    " : " ", v[i],
                     i + 1 == n ? "\n" : ((i + 1) % per_line == 0 ? ",\n" : ","));
}

static void arr64(ff_sb *b, const int64_t *v, int64_t n, int per_line)
{
    for (int64_t i = 0; i < n; i++) {
        int big = v[i] > INT32_MAX || v[i] < INT32_MIN;
        ff_sb_printf(b, "%s%lld%s%s", i % per_line == 0 ? "    " : " ", (long long)v[i], big ? "LL" : "",
                     i + 1 == n ? "\n" : ((i + 1) % per_line == 0 ? ",\n" : ","));
    }
}

static void arr_rq(ff_sb *b, const char *L, const char *what, const ff_rq *rq, int n)
{
    ff_sb_printf(b, "static const int16_t %s_%s_m[%d] = {\n", L, what, n);
    for (int i = 0; i < n; i++)
        ff_sb_printf(b, "%s%d%s", i % 16 == 0 ? "    " : " ", rq[i].m, i + 1 == n ? "\n" : ((i + 1) % 16 ? "," : ",\n"));
    ff_sb_printf(b, "};\nstatic const uint8_t %s_%s_s[%d] = {\n", L, what, n);
    for (int i = 0; i < n; i++)
        ff_sb_printf(b, "%s%d%s", i % 16 == 0 ? "    " : " ", rq[i].s, i + 1 == n ? "\n" : ((i + 1) % 16 ? "," : ",\n"));
    ff_sb_printf(b, "};\n");
}

/* The constants of one layer. */
static void weights_header(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_qmodel *q = h->q;
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const char *L = h->lname[ni];
    char what[256];
    snprintf(what, sizeof what, "Constants of layer '%s' (%s): integers of the quantized model", n->name,
             ff_op_name(n->op));
    ff_hls_comment(b, h, "//", what);
    ff_sb_printf(b, "#ifndef FF_WEIGHTS_%s_H\n#define FF_WEIGHTS_%s_H\n#include \"../ff_types.h\"\n\n", L, L);
    if (n->op == FF_OP_DENSE || n->op == FF_OP_CONV) {
        int64_t ni_, no;
        ff_layer_mac_shape(g, n, &ni_, &no);
        ff_sb_printf(b, "// weights, %d-bit symmetric per output channel, [%s][%s]\n", qn->cfg.weight_bits,
                     n->op == FF_OP_DENSE ? "n_out" : "cout", n->op == FF_OP_DENSE ? "n_in" : "kh*kw*cin/group");
        ff_sb_printf(b, "static const %s_w_t %s_w[%lld][%lld] = {\n", L, L, (long long)no, (long long)ni_);
        for (int64_t o = 0; o < no; o++) {
            ff_sb_printf(b, "  {\n");
            arr32(b, qn->qw + o * ni_, ni_, 16);
            ff_sb_printf(b, "  }%s\n", o + 1 == no ? "" : ",");
        }
        ff_sb_printf(b, "};\n");
        int64_t *bw = ff_malloc((size_t)no * sizeof *bw);
        for (int64_t o = 0; o < no; o++)
            bw[o] = ff_q_wrap(qn->qb[o], qn->cfg.acc_bits);
        ff_sb_printf(b, "// biases in the accumulator domain (%d bits)\nstatic const %s_acc_t %s_b[%lld] = {\n",
                     qn->cfg.acc_bits, L, L, (long long)no);
        arr64(b, bw, no, 8);
        ff_sb_printf(b, "};\n");
        free(bw);
    } else if (n->op == FF_OP_SCALE) {
        int64_t nc = n->n_out_f;
        ff_sb_printf(b, "// per-channel scale (%d-bit) and shift (accumulator domain)\n", qn->cfg.weight_bits);
        ff_sb_printf(b, "static const %s_w_t %s_w[%lld] = {\n", L, L, (long long)nc);
        arr32(b, qn->qw, nc, 16);
        ff_sb_printf(b, "};\nstatic const %s_acc_t %s_b[%lld] = {\n", L, L, (long long)nc);
        int64_t *bw = ff_malloc((size_t)nc * sizeof *bw);
        for (int64_t o = 0; o < nc; o++)
            bw[o] = ff_q_wrap(qn->qb[o], qn->cfg.acc_bits);
        arr64(b, bw, nc, 8);
        free(bw);
        ff_sb_printf(b, "};\n");
    }
    if (n->op == FF_OP_DENSE || n->op == FF_OP_CONV || n->op == FF_OP_SCALE || n->op == FF_OP_ACT) {
        ff_sb_printf(b, "// requantization to the output: (v * m + 2^(s-1)) >> s\n");
        arr_rq(b, L, "rq", qn->rq, qn->n_rq);
    }
    if (n->op == FF_OP_AVGPOOL || n->op == FF_OP_GAVGPOOL) {
        ff_sb_printf(b, "// average: requantization by the number of elements in the window\n");
        arr_rq(b, L, "avg", qn->avg_rq, qn->n_avg);
    }
    if (n->op == FF_OP_TRANSPOSE) {
        int64_t sz = ff_tensor_size(&g->t[n->out]);
        int32_t *idx = ff_malloc((size_t)sz * sizeof *idx), *src = ff_malloc((size_t)sz * sizeof *src);
        for (int64_t i = 0; i < sz; i++)
            idx[i] = (int32_t)i;
        ff_move_transpose(&g->t[n->in[0]], &g->t[n->out], n->perm, idx, src, sizeof *idx);
        ff_sb_printf(b, "// source element of every output element\nstatic const int %s_src[%lld] = {\n", L, (long long)sz);
        arr32(b, src, sz, 16);
        ff_sb_printf(b, "};\n");
        free(idx);
        free(src);
    }
    if (n->act == FF_ACT_SIGMOID || n->act == FF_ACT_TANH || n->act == FF_ACT_SELU || n->act == FF_ACT_ELU) {
        int sz = 1 << qn->cfg.lut_bits;
        ff_sb_printf(b, "// %s lookup table, %d entries indexed by the requantized value + %d\n",
                     ff_act_name(n->act), sz, sz / 2);
        ff_sb_printf(b, "static const %s_t %s_lut[%d] = {\n", L, L, sz);
        arr32(b, qn->lut, sz, 16);
        ff_sb_printf(b, "};\n");
    }
    if (n->op == FF_OP_SOFTMAX) {
        int sz = (1 << qn->cfg.lut_bits) + 1;
        ff_sb_printf(b, "// exp table: round(2^15 exp(-(j << %d) s_in)), %d entries, interpolated\n",
                     qn->exp_shift, sz);
        ff_sb_printf(b, "static const uint16_t %s_exp[%d] = {\n", L, sz);
        int32_t *tmp = ff_malloc((size_t)(sz > 1024 ? sz : 1024) * sizeof *tmp);
        for (int i = 0; i < sz; i++)
            tmp[i] = qn->exp_lut[i];
        arr32(b, tmp, sz, 16);
        ff_sb_printf(b, "};\n// reciprocal table: round(2^21 / (1024 + i))\nstatic const uint16_t %s_inv[1024] = {\n", L);
        for (int i = 0; i < 1024; i++)
            tmp[i] = ff_softmax_inv(i);
        arr32(b, tmp, 1024, 16);
        ff_sb_printf(b, "};\n");
        free(tmp);
    }
    ff_sb_printf(b, "#endif\n");
}

/* Requantize (for layers with rq), activate, saturate: the tail of every
 * computing layer, as finish() in hls/qexec.c. v: the 64-bit value;
 * m/s: multiplier expressions. Declares "const L_t r" in the current scope. */
static void finish(ff_sb *b, const ff_hls *h, int ni, const char *ind, const char *v, const char *m, const char *s)
{
    const ff_qmodel *q = h->q;
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    const char *L = h->lname[ni];
    ff_sb_printf(b, "%sff_i64 t = ff_requant(%s, %s, %s);\n", ind, v, m, s);
    switch (n->act) {
    case FF_ACT_RELU:
        ff_sb_printf(b, "%sif (t < 0) // ReLU\n%s    t = 0;\n", ind, ind);
        break;
    case FF_ACT_LEAKY:
        ff_sb_printf(b,
                     "%sif (t < 0) { // LeakyReLU: alpha = %d / 2^%d\n"
                     "%s    if (t < -2147483647LL - 1)\n%s        t = -2147483647LL - 1;\n"
                     "%s    t = ff_requant(t, %d, %d);\n%s}\n",
                     ind, qn->leaky.m, qn->leaky.s, ind, ind, ind, qn->leaky.m, qn->leaky.s, ind);
        break;
    case FF_ACT_SIGMOID:
    case FF_ACT_TANH:
    case FF_ACT_SELU:
    case FF_ACT_ELU: {
        int half = 1 << (qn->cfg.lut_bits - 1);
        ff_sb_printf(b, "%sconst %s_t r = %s_lut[(int)ff_sat(t, %d, %d) + %d]; // %s\n", ind, L, L, -half, half - 1,
                     half, ff_act_name(n->act));
        return;
    }
    default:
        break;
    }
    int32_t lo = n->act == FF_ACT_CLIP ? qn->clip_lo : out->qmin, hi = n->act == FF_ACT_CLIP ? qn->clip_hi : out->qmax;
    ff_sb_printf(b, "%sconst %s_t r = (%s_t)ff_sat(t, %d, %d);%s\n", ind, L, L, lo, hi,
                 n->act == FF_ACT_CLIP ? " // Clip" : "");
}

/* Stores r: to the array y at idx (parallel) or the stream ys. */
static void store(ff_sb *b, const ff_hls *h, int ni, const char *ind, const char *idx)
{
    if (h->o->io_stream)
        ff_sb_printf(b, "%sys.write(r);\n", ind);
    else
        ff_sb_printf(b, "%sy[%s] = r;\n", ind, idx);
    ff_sb_printf(b, "%sFF_TRACE(%d, r);\n", ind, ni);
}

static const char *in_type(const ff_hls *h, int ni)
{
    return h->tname[h->q->g->n[ni].in[0]];
}

static void signature(ff_sb *b, const ff_hls *h, int ni, int decl)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const char *L = h->lname[ni];
    if (h->o->io_stream)
        ff_sb_printf(b, "void %s(ff_stream<%s> &xs, ff_stream<%s_t> &ys)%s\n", L, in_type(h, ni), L, decl ? ";" : "");
    else
        ff_sb_printf(b, "void %s(const %s x[%lld], %s_t y[%lld])%s\n", L, in_type(h, ni),
                     (long long)ff_tensor_size(&g->t[n->in[0]]), L, (long long)ff_tensor_size(&g->t[n->out]),
                     decl ? ";" : "");
}

/* Stream mode, whole-vector layers: read the input into an array x. */
static void read_all(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    long long sz = (long long)ff_tensor_size(&g->t[g->n[ni].in[0]]);
    ff_sb_printf(b,
                 "    %s x[%lld];\n    PRAGMA_HLS(ARRAY_PARTITION variable=x complete)\n"
                 "%s_read:\n    for (int i = 0; i < %lld; i++) {\n        PRAGMA_HLS(PIPELINE II=1)\n"
                 "        x[i] = xs.read();\n    }\n",
                 in_type(h, ni), sz, h->lname[ni], sz);
}

/* Weight-array pragmas for a multiply layer of ni inputs x no outputs at reuse R. */
static void mult_pragmas(ff_sb *b, const char *L, int64_t ni, int64_t no, int R, const char *ind)
{
    if (R == 1) {
        ff_sb_printf(b, "%sPRAGMA_HLS(ARRAY_PARTITION variable=%s_w complete dim=0)\n", ind, L);
    } else if (ni % R == 0) {
        ff_sb_printf(b, "%sPRAGMA_HLS(ARRAY_PARTITION variable=%s_w complete dim=1)\n", ind, L);
        ff_sb_printf(b, "%sPRAGMA_HLS(ARRAY_RESHAPE variable=%s_w cyclic factor=%lld dim=2)\n", ind, L,
                     (long long)(ni / R));
    } else {
        ff_sb_printf(b, "%sPRAGMA_HLS(ARRAY_RESHAPE variable=%s_w complete dim=2)\n", ind, L);
        ff_sb_printf(b, "%sPRAGMA_HLS(ARRAY_PARTITION variable=%s_w cyclic factor=%lld dim=1)\n", ind, L,
                     (long long)(ni * no / R));
    }
    ff_sb_printf(b, "%sPRAGMA_HLS(ALLOCATION operation instances=mul limit=%lld) // %lld x %lld products / reuse %d\n",
                 ind, (long long)((ni * no + R - 1) / R), (long long)ni, (long long)no, R);
}

static void dense(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_node *n = &h->q->g->n[ni];
    const ff_qnode *qn = &h->q->qn[ni];
    const char *L = h->lname[ni];
    long long NI = n->n_in_f, NO = n->n_out_f;
    int R = qn->cfg.reuse;
    ff_sb_printf(b, "// %s: Dense %lld -> %lld, %s; weights %d-bit, accumulator %d-bit, reuse %d\n", n->name, NI, NO,
                 ff_act_name(n->act), qn->cfg.weight_bits, qn->cfg.acc_bits, R);
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n");
    if (h->o->io_stream)
        read_all(b, h, ni);
    ff_sb_printf(b, "    PRAGMA_HLS(PIPELINE II=%d)\n", R);
    mult_pragmas(b, L, NI, NO, R, "    ");
    ff_sb_printf(b,
                 "    %s_acc_t acc[%lld];\n    PRAGMA_HLS(ARRAY_PARTITION variable=acc complete)\n"
                 "%s_init:\n    for (int o = 0; o < %lld; o++)\n        acc[o] = %s_b[o];\n"
                 "%s_mac:\n    for (int o = 0; o < %lld; o++)\n        for (int i = 0; i < %lld; i++)\n"
                 "            acc[o] += %s_w[o][i] * x[i];\n"
                 "%s_out:\n    for (int o = 0; o < %lld; o++) {\n",
                 L, NO, L, NO, L, L, NO, NI, L, L, NO);
    char v[64];
    snprintf(v, sizeof v, "ff_wrap<%d>(acc[o])", qn->cfg.acc_bits);
    char m[80], s[80];
    snprintf(m, sizeof m, "%s_rq_m[o]", L);
    snprintf(s, sizeof s, "%s_rq_s[o]", L);
    finish(b, h, ni, "        ", v, m, s);
    store(b, h, ni, "        ", "o");
    ff_sb_printf(b, "    }\n}\n\n");
}

/* Input-row bookkeeping of stream-mode convolution and pooling: a ring of
 * the last SPAN input rows (SPAN = the rows one window covers). */
static void line_buffer_open(ff_sb *b, const ff_hls *h, int ni, ff_geom r, int span)
{
    /* every element of a small buffer in registers; a large one one bank per row */
    int dim = r.W * r.C * span <= 1024 ? 0 : 1;
    ff_sb_printf(b,
                 "    %s lb[%d][%lld]; // line buffer: the last %d input rows\n"
                 "    PRAGMA_HLS(ARRAY_PARTITION variable=lb complete dim=%d)\n"
                 "    int next_row = 0;\n",
                 in_type(h, ni), span, (long long)(r.W * r.C), span, dim);
}

static void line_buffer_fill(ff_sb *b, const ff_node *n, const char *L, ff_geom r, int span)
{
    ff_sb_printf(b,
                 "        int need = oh * %d - %d + %d; // last input row this output row reads\n"
                 "        if (need > %lld)\n            need = %lld;\n"
                 "%s_fill:\n        for (; next_row <= need; next_row++) {\n"
                 "            PRAGMA_HLS(LOOP_TRIPCOUNT max=%lld)\n"
                 "            for (int k = 0; k < %lld; k++) {\n                PRAGMA_HLS(PIPELINE II=1)\n"
                 "                lb[next_row %% %d][k] = xs.read();\n            }\n        }\n",
                 n->stride[0], n->pad[0], span - 1, (long long)(r.H - 1), (long long)(r.H - 1), L, (long long)r.H,
                 (long long)(r.W * r.C), span);
}

static void line_buffer_close(ff_sb *b, const char *L, ff_geom r)
{
    ff_sb_printf(b,
                 "%s_drain: // rows no window reads\n    for (; next_row < %lld; next_row++)\n"
                 "        for (int k = 0; k < %lld; k++)\n            (void)xs.read();\n",
                 L, (long long)r.H, (long long)(r.W * r.C));
}

static void conv(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &h->q->qn[ni];
    const char *L = h->lname[ni];
    ff_geom r = ff_node_geom(g, n);
    int R = qn->cfg.reuse, st = h->o->io_stream;
    long long cin_g = r.C / n->group, cout_g = r.OC / n->group;
    int kh = n->kernel[0], kw = n->kernel[1];
    int span = (kh - 1) * n->dil[0] + 1;
    ff_sb_printf(b,
                 "// %s: Conv%dD %lldx%lldx%lld -> %lldx%lldx%lld (H x W x C), kernel %dx%d, stride %dx%d, "
                 "dilation %dx%d,\n// pads (top, left, bottom, right) %d,%d,%d,%d, group %d, %s; weights %d-bit, "
                 "accumulator %d-bit, reuse %d\n",
                 n->name, n->spatial, (long long)r.H, (long long)r.W, (long long)r.C, (long long)r.OH, (long long)r.OW,
                 (long long)r.OC, kh, kw, n->stride[0], n->stride[1], n->dil[0], n->dil[1], n->pad[0], n->pad[1],
                 n->pad[2], n->pad[3], n->group, ff_act_name(n->act), qn->cfg.weight_bits, qn->cfg.acc_bits, R);
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n");
    mult_pragmas(b, L, kh * kw * cin_g, r.OC, R, "    ");
    if (st)
        line_buffer_open(b, h, ni, r, span);
    ff_sb_printf(b, "%s_rows:\n    for (int oh = 0; oh < %lld; oh++) {\n", L, (long long)r.OH);
    if (st)
        line_buffer_fill(b, n, L, r, span);
    ff_sb_printf(b,
                 "%s_cols:\n        for (int ow = 0; ow < %lld; ow++) {\n            PRAGMA_HLS(PIPELINE II=%d)\n"
                 "%s_chan:\n            for (int oc = 0; oc < %lld; oc++) {\n"
                 "                %s_acc_t acc = %s_b[oc];\n"
                 "                for (int i = 0; i < %d; i++) {\n"
                 "                    const int ih = oh * %d - %d + i * %d;\n"
                 "                    if (ih < 0 || ih >= %lld)\n                        continue;\n"
                 "                    for (int j = 0; j < %d; j++) {\n"
                 "                        const int iw = ow * %d - %d + j * %d;\n"
                 "                        if (iw < 0 || iw >= %lld)\n                            continue;\n"
                 "                        for (int c = 0; c < %lld; c++)\n",
                 L, (long long)r.OW, R, L, (long long)r.OC, L, L, kh, n->stride[0], n->pad[0], n->dil[0], (long long)r.H,
                 kw, n->stride[1], n->pad[1], n->dil[1], (long long)r.W, cin_g);
    char grp[96] = "";
    if (n->group > 1)
        snprintf(grp, sizeof grp, " + (oc / %lld) * %lld", cout_g, cin_g);
    if (st)
        ff_sb_printf(b, "                            acc += %s_w[oc][(i * %d + j) * %lld + c] * lb[ih %% %d][iw * %lld%s + c];\n",
                     L, kw, cin_g, span, (long long)r.C, grp);
    else
        ff_sb_printf(b, "                            acc += %s_w[oc][(i * %d + j) * %lld + c] * x[(ih * %lld + iw) * %lld%s + c];\n",
                     L, kw, cin_g, (long long)r.W, (long long)r.C, grp);
    ff_sb_printf(b, "                    }\n                }\n");
    char v[64], m[80], s[80], idx[96];
    snprintf(v, sizeof v, "ff_wrap<%d>(acc)", qn->cfg.acc_bits);
    snprintf(m, sizeof m, "%s_rq_m[oc]", L);
    snprintf(s, sizeof s, "%s_rq_s[oc]", L);
    snprintf(idx, sizeof idx, "(oh * %lld + ow) * %lld + oc", (long long)r.OW, (long long)r.OC);
    finish(b, h, ni, "                ", v, m, s);
    store(b, h, ni, "                ", idx);
    ff_sb_printf(b, "            }\n        }\n    }\n");
    if (st)
        line_buffer_close(b, L, r);
    ff_sb_printf(b, "}\n\n");
}

static void pool(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_qtensor *out = &h->q->qt[n->out];
    const char *L = h->lname[ni];
    ff_geom r = ff_node_geom(g, n);
    int st = h->o->io_stream, is_max = n->op == FF_OP_MAXPOOL;
    int kh = n->kernel[0], kw = n->kernel[1], span = kh;
    ff_sb_printf(b,
                 "// %s: %s %lldx%lldx%lld -> %lldx%lldx%lld, window %dx%d, stride %dx%d, pads %d,%d,%d,%d%s\n",
                 n->name, is_max ? "MaxPool" : "AveragePool", (long long)r.H, (long long)r.W, (long long)r.C,
                 (long long)r.OH, (long long)r.OW, (long long)r.C, kh, kw, n->stride[0], n->stride[1], n->pad[0],
                 n->pad[1], n->pad[2], n->pad[3], is_max ? "" : (n->count_include_pad ? ", padding counted" : ", padding not counted"));
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n");
    if (st)
        line_buffer_open(b, h, ni, r, span);
    ff_sb_printf(b, "%s_rows:\n    for (int oh = 0; oh < %lld; oh++) {\n", L, (long long)r.OH);
    if (st)
        line_buffer_fill(b, n, L, r, span);
    ff_sb_printf(b,
                 "%s_cols:\n        for (int ow = 0; ow < %lld; ow++) {\n            PRAGMA_HLS(PIPELINE II=1)\n"
                 "%s_chan:\n            for (int c = 0; c < %lld; c++) {\n"
                 "                ff_i64 acc = 0;\n                int cnt = 0;\n"
                 "                for (int i = 0; i < %d; i++) {\n"
                 "                    const int ih = oh * %d - %d + i;\n"
                 "                    if (ih < 0 || ih >= %lld)\n                        continue;\n"
                 "                    for (int j = 0; j < %d; j++) {\n"
                 "                        const int iw = ow * %d - %d + j;\n"
                 "                        if (iw < 0 || iw >= %lld)\n                            continue;\n",
                 L, (long long)r.OW, L, (long long)r.C, kh, n->stride[0], n->pad[0], (long long)r.H, kw, n->stride[1],
                 n->pad[1], (long long)r.W);
    if (st)
        ff_sb_printf(b, "                        const ff_i64 v = lb[ih %% %d][iw * %lld + c];\n", span, (long long)r.C);
    else
        ff_sb_printf(b, "                        const ff_i64 v = x[(ih * %lld + iw) * %lld + c];\n", (long long)r.W,
                     (long long)r.C);
    if (is_max)
        ff_sb_printf(b, "                        if (cnt == 0 || v > acc)\n                            acc = v;\n");
    else
        ff_sb_printf(b, "                        acc += v;\n");
    ff_sb_printf(b, "                        cnt++;\n                    }\n                }\n");
    if (is_max) {
        ff_sb_printf(b, "                const %s_t r = (%s_t)acc;\n", L, L);
    } else {
        if (n->count_include_pad)
            ff_sb_printf(b, "                cnt = %d; // padding counts\n", kh * kw);
        ff_sb_printf(b, "                const %s_t r = (%s_t)ff_sat(ff_requant(acc, %s_avg_m[cnt], %s_avg_s[cnt]), %d, %d);\n",
                     L, L, L, L, out->qmin, out->qmax);
    }
    char idx[96];
    snprintf(idx, sizeof idx, "(oh * %lld + ow) * %lld + c", (long long)r.OW, (long long)r.C);
    store(b, h, ni, "                ", idx);
    ff_sb_printf(b, "            }\n        }\n    }\n");
    if (st)
        line_buffer_close(b, L, r);
    ff_sb_printf(b, "}\n\n");
}

static void gpool(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_qtensor *out = &h->q->qt[n->out];
    const char *L = h->lname[ni];
    const ff_tensor *t = &g->t[n->in[0]];
    long long C = t->dims[t->rank - 1], P = ff_tensor_size(t) / C;
    int is_max = n->op == FF_OP_GMAXPOOL;
    ff_sb_printf(b, "// %s: Global%sPool over %lld positions x %lld channels\n", n->name, is_max ? "Max" : "Average",
                 P, C);
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n    ff_i64 acc[%lld];\n    PRAGMA_HLS(ARRAY_PARTITION variable=acc complete)\n", C);
    ff_sb_printf(b, "%s_pos:\n    for (int p = 0; p < %lld; p++)\n        for (int c = 0; c < %lld; c++) {\n"
                    "            PRAGMA_HLS(PIPELINE II=1)\n",
                 L, P, C);
    if (h->o->io_stream)
        ff_sb_printf(b, "            const ff_i64 v = xs.read();\n");
    else
        ff_sb_printf(b, "            const ff_i64 v = x[p * %lld + c];\n", C);
    if (is_max)
        ff_sb_printf(b, "            if (p == 0 || v > acc[c])\n                acc[c] = v;\n");
    else
        ff_sb_printf(b, "            acc[c] = (p == 0 ? 0 : acc[c]) + v;\n");
    ff_sb_printf(b, "        }\n%s_out:\n    for (int c = 0; c < %lld; c++) {\n", L, C);
    if (is_max)
        ff_sb_printf(b, "        const %s_t r = (%s_t)acc[c];\n", L, L);
    else
        ff_sb_printf(b, "        const %s_t r = (%s_t)ff_sat(ff_requant(acc[c], %s_avg_m[0], %s_avg_s[0]), %d, %d);\n",
                     L, L, L, L, out->qmin, out->qmax);
    store(b, h, ni, "        ", "c");
    ff_sb_printf(b, "    }\n}\n\n");
}

/* Element-wise layers: Scale (BatchNorm and friends) and standalone activations. */
static void eltwise(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &h->q->qn[ni];
    const char *L = h->lname[ni];
    const ff_tensor *t = &g->t[n->in[0]];
    long long sz = ff_tensor_size(t);
    if (n->op == FF_OP_SCALE)
        ff_sb_printf(b, "// %s: per-channel scale and shift (%lld channels), %s; accumulator %d-bit\n", n->name,
                     (long long)n->n_out_f, ff_act_name(n->act), qn->cfg.acc_bits);
    else
        ff_sb_printf(b, "// %s: activation %s\n", n->name, ff_act_name(n->act));
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n%s_elem:\n    for (int i = 0; i < %lld; i++) {\n        PRAGMA_HLS(%s)\n", L, sz,
                 h->o->io_stream ? "PIPELINE II=1" : "UNROLL");
    if (h->o->io_stream)
        ff_sb_printf(b, "        const ff_i64 xv = xs.read();\n");
    else
        ff_sb_printf(b, "        const ff_i64 xv = x[i];\n");
    if (n->op == FF_OP_SCALE) {
        if (n->n_out_f == 1) {
            ff_sb_printf(b, "        const int c = 0;\n");
        } else {
            int64_t strd[FF_MAX_RANK];
            ff_strides(t, strd);
            ff_sb_printf(b, "        const int c = (i / %lld) %% %lld;\n", (long long)strd[n->axis],
                         (long long)t->dims[n->axis]);
        }
        ff_sb_printf(b, "        const ff_i64 acc = ff_wrap<%d>(xv * %s_w[c] + %s_b[c]);\n", qn->cfg.acc_bits, L, L);
        char m[80], s[80];
        snprintf(m, sizeof m, "%s_rq_m[c]", L);
        snprintf(s, sizeof s, "%s_rq_s[c]", L);
        finish(b, h, ni, "        ", "acc", m, s);
    } else {
        char m[80], s[80];
        snprintf(m, sizeof m, "%s_rq_m[0]", L);
        snprintf(s, sizeof s, "%s_rq_s[0]", L);
        finish(b, h, ni, "        ", "xv", m, s);
    }
    store(b, h, ni, "        ", "i");
    ff_sb_printf(b, "    }\n}\n\n");
}

static void softmax(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &h->q->qn[ni];
    const ff_qtensor *out = &h->q->qt[n->out];
    const char *L = h->lname[ni];
    const ff_tensor *t = &g->t[n->out];
    long long len = t->dims[t->rank - 1], rows = ff_tensor_size(t) / len;
    int size = 1 << qn->cfg.lut_bits;
    ff_sb_printf(b,
                 "// %s: Softmax over %lld values (%lld rows): exp by table (%d entries, step 2^%d, interpolated),\n"
                 "// sum, reciprocal by a 1024-entry table on the normalized sum, output %d-bit\n",
                 n->name, len, rows, size + 1, qn->exp_shift, out->bits);
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n");
    if (h->o->io_stream)
        read_all(b, h, ni);
    ff_sb_printf(b,
                 "%s_rows:\n    for (int r0 = 0; r0 < %lld; r0++) {\n        PRAGMA_HLS(PIPELINE II=1)\n"
                 "        const int base = r0 * %lld;\n"
                 "        ff_i64 mx = x[base];\n"
                 "        for (int i = 1; i < %lld; i++)\n            if (x[base + i] > mx)\n                mx = x[base + i];\n"
                 "        ff_i64 e[%lld];\n        ff_i64 sum = 0;\n"
                 "        for (int i = 0; i < %lld; i++) {\n"
                 "            const ff_i64 d = mx - x[base + i];\n"
                 "            const ff_i64 j = d >> %d;\n"
                 "            const ff_i64 f = d - (j << %d);\n"
                 "            if (j >= %d) {\n                e[i] = 0;\n            } else {\n"
                 "                const ff_i64 e0 = %s_exp[(int)j], e1 = %s_exp[(int)j + 1];\n"
                 "                e[i] = e0 - ff_shift_round((e0 - e1) * f, %d);\n            }\n"
                 "            sum += e[i];\n        }\n"
                 "        int pos = 0; // most significant set bit of sum (sum >= 2^15)\n"
                 "        for (int k = 1; k < 63; k++)\n            if ((sum >> k) != 0)\n                pos = k;\n"
                 "        const ff_i64 mant = sum >> (pos - 10);\n"
                 "        const ff_i64 inv = %s_inv[(int)(mant - 1024)];\n"
                 "        const int sh = pos + 11 - %d;\n"
                 "        for (int i = 0; i < %lld; i++) {\n"
                 "            const %s_t r = (%s_t)ff_sat(ff_shift_round(e[i] * inv, sh), %d, %d);\n",
                 L, rows, len, len, len, len, qn->exp_shift, qn->exp_shift, size, L, L, qn->exp_shift, L, out->bits,
                 len, L, L, out->qmin, out->qmax);
    store(b, h, ni, "            ", "base + i");
    ff_sb_printf(b, "        }\n    }\n}\n\n");
}

static void transpose(ff_sb *b, const ff_hls *h, int ni)
{
    const ff_graph *g = h->q->g;
    const ff_node *n = &g->n[ni];
    const ff_tensor *t = &g->t[n->in[0]];
    const char *L = h->lname[ni];
    long long sz = ff_tensor_size(t);
    ff_sb_printf(b, "// %s: Transpose, perm (", n->name);
    for (int d = 0; d < t->rank; d++)
        ff_sb_printf(b, "%s%d", d ? ", " : "", n->perm[d]);
    ff_sb_printf(b, "): data movement only\n");
    signature(b, h, ni, 0);
    ff_sb_printf(b, "{\n");
    if (h->o->io_stream)
        read_all(b, h, ni);
    ff_sb_printf(b, "%s_move:\n    for (int i = 0; i < %lld; i++) {\n        PRAGMA_HLS(%s)\n"
                    "        const %s_t r = x[%s_src[i]];\n",
                 L, sz, h->o->io_stream ? "PIPELINE II=1" : "UNROLL", L, L);
    store(b, h, ni, "        ", "i");
    ff_sb_printf(b, "    }\n}\n\n");
}

int ff_hls_emit_layers(const ff_hls *h, ff_err *e)
{
    const ff_graph *g = h->q->g;
    ff_sb decl = {0}, body = {0};
    int rc = FF_OK;
    ff_hls_comment(&decl, h, "//", "layers.h: one function per layer, in the order the core calls them");
    ff_sb_printf(&decl, "#ifndef FF_LAYERS_H\n#define FF_LAYERS_H\n#include \"ff_types.h\"\n\n");
    ff_hls_comment(&body, h, "//", "layers.cpp: one function per layer, computing exactly what fogforge's integer "
                                   "reference (hls/qexec.c) computes for the node");
    ff_sb_printf(&body, "#include \"layers.h\"\n\n");
    for (int k = 0; k < h->nlayers; k++)
        ff_sb_printf(&body, "#include \"weights/%s.h\"\n", h->lname[h->layers[k]]);
    ff_sb_printf(&body, "\n");
    for (int k = 0; k < h->nlayers && !rc; k++) {
        int ni = h->layers[k];
        signature(&decl, h, ni, 1);
        ff_sb w = {0};
        weights_header(&w, h, ni);
        char rel[128];
        snprintf(rel, sizeof rel, "firmware/weights/%s.h", h->lname[ni]);
        rc = ff_emit_file(h->o->outdir, rel, ff_sb_str(&w), e);
        ff_sb_free(&w);
        switch (g->n[ni].op) {
        case FF_OP_DENSE: dense(&body, h, ni); break;
        case FF_OP_CONV: conv(&body, h, ni); break;
        case FF_OP_MAXPOOL:
        case FF_OP_AVGPOOL: pool(&body, h, ni); break;
        case FF_OP_GMAXPOOL:
        case FF_OP_GAVGPOOL: gpool(&body, h, ni); break;
        case FF_OP_SCALE:
        case FF_OP_ACT: eltwise(&body, h, ni); break;
        case FF_OP_SOFTMAX: softmax(&body, h, ni); break;
        case FF_OP_TRANSPOSE: transpose(&body, h, ni); break;
        default: rc = ff_errf(e, FF_EINTERNAL, "hls: no emitter for %s", ff_op_name(g->n[ni].op)); break;
        }
    }
    ff_sb_printf(&decl, "#endif\n");
    if (!rc)
        rc = ff_emit_file(h->o->outdir, "firmware/layers.h", ff_sb_str(&decl), e);
    if (!rc)
        rc = ff_emit_file(h->o->outdir, "firmware/layers.cpp", ff_sb_str(&body), e);
    ff_sb_free(&decl);
    ff_sb_free(&body);
    return rc;
}
