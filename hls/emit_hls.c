/* HLS back-end entry: checks the model, names everything, and writes the
 * project skeleton (types and arithmetic headers, the core top, the Vitis
 * kernel and AXI4-Stream IP wrappers, golden vectors, manifest, model copy).
 * Layer functions live in emit_hls_layers.c, the build flow in emit_hls_flow.c. */
#include "emit_hls.h"

#include "exec.h"
#include "ffq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ff_hls_is_layer(const ff_node *n)
{
    return n->op != FF_OP_RESHAPE && n->op != FF_OP_IDENTITY;
}

static int supported(ff_op op)
{
    switch (op) {
    case FF_OP_DENSE:
    case FF_OP_CONV:
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL:
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL:
    case FF_OP_SCALE:
    case FF_OP_ACT:
    case FF_OP_SOFTMAX:
    case FF_OP_TRANSPOSE:
    case FF_OP_RESHAPE:
    case FF_OP_IDENTITY:
        return 1;
    default:
        return 0;
    }
}

/* Plain C type holding a tensor of `bits` bits. */
static const char *plain_type(int bits, int is_signed)
{
    if (bits <= 8)
        return is_signed ? "int8_t" : "uint8_t";
    if (bits <= 16)
        return is_signed ? "int16_t" : "uint16_t";
    if (bits <= 32)
        return is_signed ? "int32_t" : "uint32_t";
    return is_signed ? "int64_t" : "uint64_t";
}

static void model_name(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", base);
    char *dot = strrchr(tmp, '.');
    if (dot && dot != tmp)
        *dot = 0;
    ff_ident(tmp, out, n);
    if (!out[0])
        snprintf(out, n, "model");
}

int ff_hls_init(ff_hls *h, const ff_qmodel *q, const ff_gen_opts *o, ff_err *e)
{
    const ff_graph *g = q->g;
    memset(h, 0, sizeof *h);
    h->q = q;
    h->o = o;
    for (int i = 0; i < g->nn; i++) { /* unsupported ops first: the clearest message */
        const ff_node *n = &g->n[i];
        if (!supported(n->op))
            return ff_errf(e, FF_EINPUT,
                           "layer '%s' (%s, from ONNX %s) is not supported by the hls back-end "
                           "(supported: Dense, Conv, MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool, "
                           "Scale, Activation, Softmax, Transpose, Reshape in a single chain)",
                           n->name, ff_op_name(n->op), n->onnx_op);
    }
    for (int i = 0; i < g->nn; i++) {
        const ff_node *n = &g->n[i];
        int prev = i == 0 ? g->input : g->n[i - 1].out;
        if (n->n_in != 1 || n->in[0] != prev)
            return ff_errf(e, FF_EINPUT,
                           "layer '%s' (%s): the hls back-end supports a single chain of layers; this one "
                           "does not read the previous layer's output",
                           n->name, ff_op_name(n->op));
        if (n->op == FF_OP_CONV && n->group < 1)
            return ff_errf(e, FF_EINPUT, "layer '%s': invalid group %d", n->name, n->group);
        if (!ff_reuse_check(g, n, q->qn[i].cfg.reuse, e))
            return e->code;
        if (ff_hls_is_layer(n))
            h->nlayers++;
    }
    if (h->nlayers == 0)
        return ff_errf(e, FF_EINPUT, "%s: the model has no layer that computes anything", o->model_path);
    if (g->n[g->nn - 1].out != g->output)
        return ff_errf(e, FF_EINPUT, "%s: the last layer does not produce the graph output", o->model_path);

    model_name(o->model_path ? o->model_path : "model", h->top, sizeof h->top);
    h->lname = ff_calloc((size_t)g->nn, sizeof *h->lname);
    h->tname = ff_calloc((size_t)g->nt, sizeof *h->tname);
    h->tvar = ff_calloc((size_t)g->nt, sizeof *h->tvar);
    h->layers = ff_calloc((size_t)h->nlayers, sizeof *h->layers);
    for (int t = 0; t < g->nt; t++)
        h->tvar[t] = t;
    snprintf(h->tname[g->input], sizeof h->tname[0], "input_t");
    int k = 0;
    h->max_reuse = 1;
    for (int i = 0; i < g->nn; i++) {
        const ff_node *n = &g->n[i];
        char id[48];
        ff_ident(n->name, id, sizeof id);
        /* unique, and never clashing with the model's name or the generated code's own names */
        static const char *const reserved[] = {"input", "x", "y", "xs", "ys", "in", "out", "n", "s", "t", "v",
                                               "acc", "int", "char", "long", "short", "void", "const", "static",
                                               "for", "if", "else", "return", "class", "template", "new",
                                               "delete", "default", "switch", "case", "do", "while", "this",
                                               "auto", "register", "union", "struct", "operator", NULL};
        for (int r = 0; reserved[r]; r++)
            if (!strcmp(id, reserved[r]) || !strncmp(id, "ff_", 3)) {
                char tmp[48];
                snprintf(tmp, sizeof tmp, "layer_%.40s", id);
                memcpy(id, tmp, sizeof id);
                break;
            }
        snprintf(h->lname[i], sizeof h->lname[0], "%s", id);
        for (int dup = 1;;) {
            int clash = !strcmp(h->lname[i], h->top);
            for (int j = 0; j < i && !clash; j++)
                clash = !strcmp(h->lname[j], h->lname[i]);
            if (!clash)
                break;
            snprintf(h->lname[i], sizeof h->lname[0], "%s_%d", id, ++dup);
        }
        if (ff_hls_is_layer(n)) {
            h->layers[k++] = i;
            snprintf(h->tname[n->out], sizeof h->tname[0], "%s_t", h->lname[i]);
            if (q->qn[i].cfg.reuse > h->max_reuse)
                h->max_reuse = q->qn[i].cfg.reuse;
        } else {
            h->tvar[n->out] = h->tvar[n->in[0]];
            memcpy(h->tname[n->out], h->tname[n->in[0]], sizeof h->tname[0]);
        }
    }
    h->in_size = ff_graph_in_size(g);
    h->out_size = ff_graph_out_size(g);
    snprintf(h->header, sizeof h->header,
             "Generated by fogforge %s (hls back-end) from %s\n"
             "source sha256 %s\n"
             "part %s, clock %g ns, io %s. Integer arithmetic: bit-exact with fogforge's\n"
             "integer reference (docs/integer-arithmetic.md).",
             FF_VERSION, g->source ? g->source : (o->model_path ? o->model_path : "?"),
             g->source_sha256[0] ? g->source_sha256 : "(unknown)", o->part, o->clock_ns,
             o->io_stream ? "stream" : "parallel");
    return FF_OK;
}

void ff_hls_free(ff_hls *h)
{
    free(h->lname);
    free(h->tname);
    free(h->tvar);
    free(h->layers);
}

void ff_hls_comment(ff_sb *b, const ff_hls *h, const char *style, const char *what)
{
    int c = !strcmp(style, "/*");
    const char *lead = c ? " *" : style;
    ff_sb_printf(b, "%s %s\n%s\n", style, what, lead);
    const char *p = h->header;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        ff_sb_printf(b, "%s %.*s\n", lead, (int)l, p);
        p += l + (nl ? 1 : 0);
    }
    if (strcmp(style, "#") && !c)
        ff_sb_printf(b, "\n");
}

/* firmware/ff_arith.h: the arithmetic of the contract, once for Vitis
 * (ap_int) and once for plain C++ (csim with g++). */
static void emit_arith(ff_sb *b, const ff_hls *h)
{
    ff_hls_comment(b, h, "//", "ff_arith.h: integer helpers and the stream type shared by every layer");
    ff_sb_printf(b,
        "#ifndef FF_ARITH_H\n#define FF_ARITH_H\n\n"
        "#if defined(__SYNTHESIS__) || defined(__VITIS_HLS__)\n"
        "#define FF_HLS 1\n"
        "#include <ap_int.h>\n#include <hls_stream.h>\n"
        "// Pragmas go through a macro (UG1399, \"Defining Pragmas Using Macros\") so that\n"
        "// g++ -Wall -Werror compiles the same sources for C simulation.\n"
        "#define FF_PRAGMA_SUB(x) _Pragma(#x)\n"
        "#define PRAGMA_HLS(x) FF_PRAGMA_SUB(HLS x)\n"
        "typedef ap_int<64> ff_i64;\n"
        "template <typename T> using ff_stream = hls::stream<T>;\n"
        "#else\n"
        "#include <stddef.h>\n#include <stdint.h>\n#include <deque>\n"
        "#define PRAGMA_HLS(x)\n"
        "// Loop labels name loops in Vitis HLS reports; g++ sees them as unused.\n"
        "#pragma GCC diagnostic ignored \"-Wunused-label\"\n"
        "typedef long long ff_i64;\n"
        "// A minimal FIFO with hls::stream's interface, for C simulation only.\n"
        "template <typename T> class ff_stream {\n"
        "  public:\n"
        "    ff_stream() {}\n"
        "    explicit ff_stream(const char *) {}\n"
        "    void write(const T &v) { q_.push_back(v); }\n"
        "    T read()\n"
        "    {\n"
        "        T v = q_.front();\n"
        "        q_.pop_front();\n"
        "        return v;\n"
        "    }\n"
        "    bool empty() const { return q_.empty(); }\n"
        "    size_t size() const { return q_.size(); }\n\n"
        "  private:\n"
        "    std::deque<T> q_;\n"
        "};\n"
        "#endif\n\n"
        "// Per-layer tracing for fogforge csim (compiled with -DFF_CSIM_TRACE).\n"
        "#ifdef FF_CSIM_TRACE\n"
        "void ff_trace(int node, long long v);\n"
        "#define FF_TRACE(node, v) ff_trace(node, (long long)(v))\n"
        "#else\n"
        "#define FF_TRACE(node, v) ((void)0)\n"
        "#endif\n\n"
        "// Two's complement wrap to B bits (accumulators wrap; summation order never matters).\n"
        "template <int B> inline ff_i64 ff_wrap(ff_i64 v)\n"
        "{\n"
        "#ifdef FF_HLS\n"
        "    ap_int<B> r = v;\n"
        "    return r;\n"
        "#else\n"
        "    const unsigned long long m = (1ULL << B) - 1;\n"
        "    unsigned long long u = (unsigned long long)v & m;\n"
        "    if (u >> (B - 1))\n"
        "        u |= ~m;\n"
        "    return (ff_i64)u;\n"
        "#endif\n"
        "}\n\n"
        "// Round half up: (v + 2^(s-1)) >> s, arithmetic shift.\n"
        "inline ff_i64 ff_shift_round(ff_i64 v, int s)\n"
        "{\n"
        "    return s > 0 ? (ff_i64)((v + ((ff_i64)1 << (s - 1))) >> s) : v;\n"
        "}\n\n"
        "// Requantization: round-half-up of v * m / 2^s.\n"
        "inline ff_i64 ff_requant(ff_i64 v, int m, int s)\n"
        "{\n"
        "    return ff_shift_round(v * (ff_i64)m, s);\n"
        "}\n\n"
        "inline ff_i64 ff_sat(ff_i64 v, ff_i64 lo, ff_i64 hi)\n"
        "{\n"
        "    return v < lo ? lo : (v > hi ? hi : v);\n"
        "}\n"
        "#endif\n");
}

/* firmware/ff_types.h: one type per tensor, weight set and accumulator. */
static void emit_types(ff_sb *b, const ff_hls *h)
{
    const ff_qmodel *q = h->q;
    const ff_graph *g = q->g;
    ff_hls_comment(b, h, "//", "ff_types.h: the integer type of every tensor, weight set and accumulator");
    ff_sb_printf(b, "#ifndef FF_TYPES_H\n#define FF_TYPES_H\n#include \"ff_arith.h\"\n\n");
    for (int pass = 0; pass < 2; pass++) {
        ff_sb_printf(b, pass == 0 ? "#ifdef FF_HLS\n" : "#else\n// Plain C++ for C simulation: the narrowest standard type that holds the\n"
                                                        "// range; every value is saturated or wrapped explicitly in the layers.\n");
        const ff_qtensor *qi = &q->qt[g->input];
        if (pass == 0)
            ff_sb_printf(b, "typedef ap_%sint<%d> input_t;\n", qi->is_signed ? "" : "u", qi->bits);
        else
            ff_sb_printf(b, "typedef %s input_t;\n", plain_type(qi->bits, qi->is_signed));
        for (int k = 0; k < h->nlayers; k++) {
            int ni = h->layers[k];
            const ff_node *n = &g->n[ni];
            const ff_qnode *qn = &q->qn[ni];
            const ff_qtensor *qo = &q->qt[n->out];
            const char *L = h->lname[ni];
            if (pass == 0)
                ff_sb_printf(b, "typedef ap_%sint<%d> %s_t;\n", qo->is_signed ? "" : "u", qo->bits, L);
            else
                ff_sb_printf(b, "typedef %s %s_t;\n", plain_type(qo->bits, qo->is_signed), L);
            if (n->op == FF_OP_DENSE || n->op == FF_OP_CONV || n->op == FF_OP_SCALE) {
                if (pass == 0) {
                    ff_sb_printf(b, "typedef ap_int<%d> %s_w_t;\n", qn->cfg.weight_bits, L);
                    ff_sb_printf(b, "typedef ap_int<%d> %s_acc_t;\n", qn->cfg.acc_bits, L);
                } else {
                    ff_sb_printf(b, "typedef %s %s_w_t;\n", plain_type(qn->cfg.weight_bits, 1), L);
                    ff_sb_printf(b, "typedef int64_t %s_acc_t; // wrapped to %d bits by ff_wrap\n", L,
                                 qn->cfg.acc_bits);
                }
            }
        }
    }
    ff_sb_printf(b, "#endif\n\n");
    ff_sb_printf(b, "// Tensor ranges (raw integers; real value = q * scale)\n");
    ff_sb_printf(b, "//   input_t: %d-bit %s [%d, %d], scale %.9g\n", q->qt[g->input].bits,
                 q->qt[g->input].is_signed ? "signed" : "unsigned", q->qt[g->input].qmin, q->qt[g->input].qmax,
                 q->qt[g->input].scale);
    for (int k = 0; k < h->nlayers; k++) {
        int ni = h->layers[k];
        const ff_qtensor *qo = &q->qt[g->n[ni].out];
        ff_sb_printf(b, "//   %s_t: %d-bit %s [%d, %d], scale %.9g\n", h->lname[ni], qo->bits,
                     qo->is_signed ? "signed" : "unsigned", qo->qmin, qo->qmax, qo->scale);
    }
    ff_sb_printf(b, "#endif\n");
}

static const char *out_type(const ff_hls *h)
{
    return h->tname[h->q->g->output];
}

/* firmware/<top>.h and <top>.cpp: the core, the Vitis kernel, the IP top. */
static void emit_top(ff_sb *hd, ff_sb *cpp, const ff_hls *h)
{
    const ff_graph *g = h->q->g;
    const char *T = h->top, *OT = out_type(h);
    int st = h->o->io_stream;
    ff_hls_comment(hd, h, "//", "Top-level functions of the accelerator");
    ff_sb_printf(hd, "#ifndef FF_TOP_%s_H\n#define FF_TOP_%s_H\n#include \"ff_types.h\"\n\n", T, T);
    ff_sb_printf(hd, "#define N_INPUT %lld  // input elements per sample\n#define N_OUTPUT %lld // output elements per sample\n\n",
                 (long long)h->in_size, (long long)h->out_size);
    if (st)
        ff_sb_printf(hd, "// Core: one sample through every layer, streams between layers (DATAFLOW).\n"
                         "void %s(ff_stream<input_t> &x, ff_stream<%s> &y);\n\n", T, OT);
    else
        ff_sb_printf(hd, "// Core: one sample through every layer (io_parallel).\n"
                         "void %s(const input_t x[N_INPUT], %s y[N_OUTPUT]);\n\n", T, OT);
    ff_sb_printf(hd, "// Vitis kernel (v++ -c / -l, XRT): n samples, raw integers as int32 in global memory.\n"
                     "extern \"C\" void %s_kernel(const int *in, int *out, int n);\n\n", T);
    ff_sb_printf(hd, "// IP for Vivado block designs: AXI4-Stream in and out, one element per beat.\n"
                     "void %s_axis(ff_stream<input_t> &in, ff_stream<%s> &out);\n#endif\n", T, OT);

    ff_hls_comment(cpp, h, "//", "The core top, the Vitis kernel and the AXI4-Stream IP top");
    ff_sb_printf(cpp, "#include \"%s.h\"\n#include \"layers.h\"\n\n", T);
    /* core */
    if (st) {
        ff_sb_printf(cpp, "void %s(ff_stream<input_t> &x, ff_stream<%s> &y)\n{\n    PRAGMA_HLS(DATAFLOW)\n", T, OT);
        for (int k = 0; k + 1 < h->nlayers; k++) {
            int ni = h->layers[k];
            int64_t sz = ff_tensor_size(&g->t[g->n[ni].out]);
            ff_sb_printf(cpp, "    ff_stream<%s_t> %s_s(\"%s_s\");\n", h->lname[ni], h->lname[ni], h->lname[ni]);
            ff_sb_printf(cpp, "    PRAGMA_HLS(STREAM variable=%s_s depth=%lld)\n", h->lname[ni],
                         (long long)(sz < 1024 ? sz : 1024));
        }
        for (int k = 0; k < h->nlayers; k++) {
            int ni = h->layers[k];
            ff_sb_printf(cpp, "    %s(%s%s, %s%s);\n", h->lname[ni], k ? h->lname[h->layers[k - 1]] : "x", k ? "_s" : "",
                         k + 1 < h->nlayers ? h->lname[ni] : "y", k + 1 < h->nlayers ? "_s" : "");
        }
        ff_sb_printf(cpp, "}\n\n");
    } else {
        ff_sb_printf(cpp, "void %s(const input_t x[N_INPUT], %s y[N_OUTPUT])\n{\n", T, OT);
        if (h->max_reuse == 1)
            ff_sb_printf(cpp, "    PRAGMA_HLS(PIPELINE II=1) // every layer at reuse 1: one sample per clock\n");
        else
            ff_sb_printf(cpp, "    PRAGMA_HLS(DATAFLOW) // largest reuse factor %d sets the interval\n", h->max_reuse);
        ff_sb_printf(cpp, "    PRAGMA_HLS(ARRAY_PARTITION variable=x complete)\n"
                          "    PRAGMA_HLS(ARRAY_PARTITION variable=y complete)\n");
        for (int k = 0; k + 1 < h->nlayers; k++) {
            int ni = h->layers[k];
            int64_t sz = ff_tensor_size(&g->t[g->n[ni].out]);
            ff_sb_printf(cpp, "    %s_t %s_y[%lld];\n", h->lname[ni], h->lname[ni], (long long)sz);
            ff_sb_printf(cpp, "    PRAGMA_HLS(ARRAY_PARTITION variable=%s_y complete)\n", h->lname[ni]);
        }
        for (int k = 0; k < h->nlayers; k++) {
            int ni = h->layers[k];
            ff_sb_printf(cpp, "    %s(%s%s, %s%s);\n", h->lname[ni], k ? h->lname[h->layers[k - 1]] : "x", k ? "_y" : "",
                         k + 1 < h->nlayers ? h->lname[ni] : "y", k + 1 < h->nlayers ? "_y" : "");
        }
        ff_sb_printf(cpp, "}\n\n");
    }
    /* Vitis kernel */
    ff_sb_printf(cpp,
                 "extern \"C\" void %s_kernel(const int *in, int *out, int n)\n{\n"
                 "    PRAGMA_HLS(INTERFACE m_axi port=in offset=slave bundle=gmem0 depth=%lld)\n"
                 "    PRAGMA_HLS(INTERFACE m_axi port=out offset=slave bundle=gmem1 depth=%lld)\n"
                 "    PRAGMA_HLS(INTERFACE s_axilite port=in)\n"
                 "    PRAGMA_HLS(INTERFACE s_axilite port=out)\n"
                 "    PRAGMA_HLS(INTERFACE s_axilite port=n)\n"
                 "    PRAGMA_HLS(INTERFACE s_axilite port=return)\n"
                 "samples:\n"
                 "    for (int s = 0; s < n; s++) {\n",
                 T, (long long)h->in_size * 1000, (long long)h->out_size * 1000);
    if (st) {
        ff_sb_printf(cpp,
                     "        ff_stream<input_t> xs(\"xs\");\n        ff_stream<%s> ys(\"ys\");\n"
                     "        for (int i = 0; i < N_INPUT; i++)\n            xs.write((input_t)in[(long)s * N_INPUT + i]);\n"
                     "        %s(xs, ys);\n"
                     "        for (int o = 0; o < N_OUTPUT; o++)\n            out[(long)s * N_OUTPUT + o] = (int)ys.read();\n",
                     OT, T);
    } else {
        ff_sb_printf(cpp,
                     "        input_t x[N_INPUT];\n        %s y[N_OUTPUT];\n"
                     "        for (int i = 0; i < N_INPUT; i++)\n            x[i] = (input_t)in[(long)s * N_INPUT + i];\n"
                     "        %s(x, y);\n"
                     "        for (int o = 0; o < N_OUTPUT; o++)\n            out[(long)s * N_OUTPUT + o] = (int)y[o];\n",
                     OT, T);
    }
    ff_sb_printf(cpp, "    }\n}\n\n");
    /* IP top */
    ff_sb_printf(cpp,
                 "void %s_axis(ff_stream<input_t> &in, ff_stream<%s> &out)\n{\n"
                 "    PRAGMA_HLS(INTERFACE axis port=in)\n"
                 "    PRAGMA_HLS(INTERFACE axis port=out)\n"
                 "    PRAGMA_HLS(INTERFACE ap_ctrl_none port=return)\n",
                 T, OT);
    if (st) {
        ff_sb_printf(cpp, "    %s(in, out);\n}\n", T);
    } else {
        ff_sb_printf(cpp,
                     "    input_t x[N_INPUT];\n    %s y[N_OUTPUT];\n"
                     "    for (int i = 0; i < N_INPUT; i++)\n        x[i] = in.read();\n"
                     "    %s(x, y);\n"
                     "    for (int o = 0; o < N_OUTPUT; o++)\n        out.write(y[o]);\n}\n",
                     OT, T);
    }
}

/* Golden vectors: inputs from N(0,1) features at several magnitudes and from
 * the whole input range, outputs from the integer reference. */
#define TB_VECTORS 1000

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct {
    const ff_qmodel *q;
    const int32_t *x;
    int32_t *y;
    int64_t from, to, ni, no;
} ref_job;

static void *ref_run(void *arg)
{
    ref_job *j = arg;
    ff_qplan *p = ff_qplan_new(j->q);
    for (int64_t k = j->from; k < j->to; k++)
        ff_qplan_run(p, j->x + k * j->ni, j->y + k * j->no);
    ff_qplan_free(p);
    return NULL;
}

void ff_hls_make_vectors(const ff_qmodel *q, int64_t n, uint64_t seed, int32_t **in, int32_t **out)
{
    const ff_graph *g = q->g;
    int64_t ni = ff_graph_in_size(g), no = ff_graph_out_size(g);
    const ff_qtensor *qi = &q->qt[g->input];
    int32_t *x = ff_malloc((size_t)(n * ni) * sizeof *x), *y = ff_malloc((size_t)(n * no) * sizeof *y);
    float *f = ff_malloc((size_t)ni * sizeof *f);
    uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ull;
    for (int64_t k = 0; k < n; k++) {
        int32_t *xk = x + k * ni;
        if (k % 4 == 3) { /* anywhere in the input range: saturation paths */
            uint64_t span = (uint64_t)((int64_t)qi->qmax - qi->qmin + 1);
            for (int64_t i = 0; i < ni; i++)
                xk[i] = (int32_t)(qi->qmin + (int64_t)(rng_next(&s) % span));
        } else {
            double mag = (k % 4 == 0) ? 1.0 : (k % 4 == 1 ? 0.5 : 3.0);
            for (int64_t i = 0; i < ni; i++) {
                /* Irwin-Hall approximation of N(0,1): integer-only RNG, reproducible */
                double acc = 0;
                for (int j = 0; j < 12; j++)
                    acc += (double)(rng_next(&s) >> 11) / 9007199254740992.0;
                f[i] = (float)((acc - 6.0) * mag);
            }
            ff_quantize_input(q, f, xk);
        }
    }
    free(f);
    /* the reference outputs, on two threads (one plan each; the model is read-only) */
    ref_job jobs[2] = {{q, x, y, 0, n / 2, ni, no}, {q, x, y, n / 2, n, ni, no}};
    pthread_t th;
    int threaded = n >= 64 && pthread_create(&th, NULL, ref_run, &jobs[0]) == 0;
    if (!threaded)
        jobs[1].from = 0;
    ref_run(&jobs[1]);
    if (threaded)
        pthread_join(th, NULL);
    *in = x;
    *out = y;
}

static int emit_manifest(const ff_hls *h, ff_err *e)
{
    const ff_qmodel *q = h->q;
    const ff_graph *g = q->g;
    ff_sb b = {0};
    ff_sb_printf(&b, "{\n  \"generator\": \"fogforge %s\",\n  \"backend\": \"hls\",\n", FF_VERSION);
    ff_sb_printf(&b, "  \"name\": \"%s\",\n  \"source_model\": \"%s\",\n  \"source_sha256\": \"%s\",\n", h->top,
                 g->source ? g->source : "", g->source_sha256);
    ff_sb_printf(&b, "  \"quantized_model\": \"model.ffq\",\n  \"part\": \"%s\",\n  \"part_full\": \"%s\",\n"
                     "  \"clock_ns\": %g,\n  \"io\": \"%s\",\n",
                 h->o->part, ff_hls_full_part(h->o->part), h->o->clock_ns, h->o->io_stream ? "stream" : "parallel");
    ff_sb_printf(&b, "  \"tops\": {\"core\": \"%s\", \"kernel\": \"%s_kernel\", \"ip\": \"%s_axis\"},\n", h->top,
                 h->top, h->top);
    ff_sb_printf(&b, "  \"input\": {\"elements\": %lld, \"bits\": %d, \"signed\": %s, \"scale\": %.9g},\n",
                 (long long)h->in_size, q->qt[g->input].bits, q->qt[g->input].is_signed ? "true" : "false",
                 q->qt[g->input].scale);
    ff_sb_printf(&b, "  \"output\": {\"elements\": %lld, \"bits\": %d, \"signed\": %s, \"scale\": %.9g},\n",
                 (long long)h->out_size, q->qt[g->output].bits, q->qt[g->output].is_signed ? "true" : "false",
                 q->qt[g->output].scale);
    ff_sb_printf(&b, "  \"test_vectors\": %d,\n  \"layers\": [\n", TB_VECTORS);
    for (int k = 0; k < h->nlayers; k++) {
        int ni = h->layers[k];
        const ff_node *n = &g->n[ni];
        const ff_qnode *qn = &q->qn[ni];
        ff_sb_printf(&b,
                     "    {\"node\": %d, \"name\": \"%s\", \"function\": \"%s\", \"op\": \"%s\", \"act\": \"%s\", "
                     "\"weight_bits\": %d, \"act_bits\": %d, \"acc_bits\": %d, \"reuse\": %d}%s\n",
                     ni, n->name, h->lname[ni], ff_op_name(n->op), ff_act_name(n->act), qn->cfg.weight_bits,
                     q->qt[n->out].bits, qn->cfg.acc_bits, qn->cfg.reuse, k + 1 < h->nlayers ? "," : "");
    }
    ff_sb_printf(&b, "  ]\n}\n");
    int rc = ff_emit_file(h->o->outdir, "manifest.json", ff_sb_str(&b), e);
    ff_sb_free(&b);
    return rc;
}

static int write_ints(const char *dir, const char *rel, const int32_t *v, int64_t n, int64_t w, ff_err *e)
{
    ff_sb b = {0};
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < w; k++)
            ff_sb_printf(&b, "%d%c", v[i * w + k], k + 1 == w ? '\n' : ' ');
    int rc = ff_emit_file(dir, rel, ff_sb_str(&b) ? ff_sb_str(&b) : "", e);
    ff_sb_free(&b);
    return rc;
}

static int emit_hls(const ff_qmodel *q, const ff_gen_opts *o, ff_err *e)
{
    ff_hls h;
    int rc = ff_hls_init(&h, q, o, e);
    if (rc) {
        ff_hls_free(&h);
        return rc;
    }
    rc = ff_mkdirs(o->outdir, e);
    ff_sb b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0};
    char rel[128];
    if (!rc) {
        emit_arith(&b1, &h);
        rc = ff_emit_file(o->outdir, "firmware/ff_arith.h", ff_sb_str(&b1), e);
    }
    if (!rc) {
        emit_types(&b2, &h);
        rc = ff_emit_file(o->outdir, "firmware/ff_types.h", ff_sb_str(&b2), e);
    }
    if (!rc) {
        emit_top(&b3, &b4, &h);
        snprintf(rel, sizeof rel, "firmware/%s.h", h.top);
        rc = ff_emit_file(o->outdir, rel, ff_sb_str(&b3), e);
        snprintf(rel, sizeof rel, "firmware/%s.cpp", h.top);
        if (!rc)
            rc = ff_emit_file(o->outdir, rel, ff_sb_str(&b4), e);
    }
    if (!rc)
        rc = ff_hls_emit_layers(&h, e);
    if (!rc)
        rc = ff_hls_emit_flow(&h, e);
    if (!rc) {
        int32_t *x, *y;
        ff_hls_make_vectors(q, TB_VECTORS, 0, &x, &y);
        rc = write_ints(o->outdir, "tb_data/tb_input.dat", x, TB_VECTORS, h.in_size, e);
        if (!rc)
            rc = write_ints(o->outdir, "tb_data/tb_output.dat", y, TB_VECTORS, h.out_size, e);
        free(x);
        free(y);
    }
    if (!rc)
        rc = emit_manifest(&h, e);
    if (!rc) {
        char path[4096];
        snprintf(path, sizeof path, "%s/model.ffq", o->outdir);
        rc = ff_ffq_write(q, path, 0, e);
    }
    ff_sb_free(&b1);
    ff_sb_free(&b2);
    ff_sb_free(&b3);
    ff_sb_free(&b4);
    ff_hls_free(&h);
    return rc;
}

const ff_emitter ff_emitter_hls = {"hls", emit_hls, "Vitis HLS C++ project (v++/XRT)"};
