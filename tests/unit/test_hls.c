/* Unit tests of the HLS back-end on hand-built graphs covering what the
 * shared models do not: strided, dilated, padded and depthwise convolutions
 * in 1-D and 2-D, max/average pooling (padding counted or not), global
 * pooling, standalone Scale and LUT activations, 4- and 16-bit types with
 * 40-bit accumulators, reuse factors > 1. Each generated project is compiled
 * with g++ -Wall -Wextra -Werror and its C simulation must equal the integer
 * reference bit for bit (golden vectors written by the emitter). */
#include "testutil.h"

#include "emit_hls.h"
#include "emit_rtl.h"
#include "exec.h"
#include "model.h"
#include "quant.h"
#include "sim.h"

#include <cjson/cJSON.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x2545f4914f6cdd1dull;
static float nrand(void)
{
    double acc = 0;
    for (int i = 0; i < 12; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        acc += (double)(rng >> 11) / 9007199254740992.0;
    }
    return (float)(acc - 6.0);
}

static float *rnd(int64_t n, float s)
{
    float *v = ff_malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = nrand() * s;
    return v;
}

/* Appends a node reading the current tensor; returns it. */
static ff_node *add(ff_graph *g, int *cur, ff_op op, const char *name)
{
    int t = ff_graph_add_tensor(g, name, 0, NULL, NULL);
    int ni = ff_graph_add_node(g, op, name, ff_op_name(op));
    ff_node *n = &g->n[ni];
    n->n_in = 1;
    n->in[0] = *cur;
    n->out = t;
    *cur = t;
    return n;
}

static void conv(ff_graph *g, int *cur, const char *name, int cin, int cout, int kh, int kw, int sh, int sw, int dh,
                 int dw, int pt, int pl, int pb, int pr, int group, ff_act act)
{
    ff_node *n = add(g, cur, FF_OP_CONV, name);
    n->n_in_f = cin;
    n->n_out_f = cout;
    n->kernel[0] = kh, n->kernel[1] = kw;
    n->stride[0] = sh, n->stride[1] = sw;
    n->dil[0] = dh, n->dil[1] = dw;
    n->pad[0] = pt, n->pad[1] = pl, n->pad[2] = pb, n->pad[3] = pr;
    n->group = group;
    n->act = act;
    n->alpha = 0.1f;
    n->w = rnd((int64_t)cout * kh * kw * (cin / group), 0.4f);
    n->b = rnd(cout, 0.2f);
}

static void pool(ff_graph *g, int *cur, ff_op op, const char *name, int kh, int kw, int sh, int sw, int pt, int pl,
                 int pb, int pr, int cip)
{
    ff_node *n = add(g, cur, op, name);
    n->kernel[0] = kh, n->kernel[1] = kw;
    n->stride[0] = sh, n->stride[1] = sw;
    n->pad[0] = pt, n->pad[1] = pl, n->pad[2] = pb, n->pad[3] = pr;
    n->count_include_pad = cip;
}

static void dense(ff_graph *g, int *cur, const char *name, int nin, int nout, ff_act act)
{
    ff_node *n = add(g, cur, FF_OP_DENSE, name);
    n->n_in_f = nin;
    n->n_out_f = nout;
    n->act = act;
    n->w = rnd((int64_t)nin * nout, 0.5f);
    n->b = rnd(nout, 0.2f);
}

static ff_graph *finish_graph(ff_graph *g, int cur)
{
    g->output = cur;
    ff_err e;
    assert_int_equal(ff_graph_compact(g, &e), 0);
    if (ff_graph_infer_shapes(g, &e))
        fail_msg("%s", e.msg);
    return g;
}

/* 2-D: depthwise strided conv, dilated conv, max pool, average pool, global average, dense. */
static ff_graph *cnn2d(void)
{
    ff_graph *g = ff_graph_new();
    int64_t d[4] = {1, 9, 7, 4};
    int cur = g->input = ff_graph_add_tensor(g, "x", 4, d, NULL);
    conv(g, &cur, "dw", 4, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 4, FF_ACT_RELU);
    conv(g, &cur, "dil", 4, 6, 2, 3, 1, 1, 2, 1, 0, 1, 1, 0, 1, FF_ACT_LEAKY);
    pool(g, &cur, FF_OP_MAXPOOL, "mp", 2, 2, 1, 2, 0, 0, 1, 1, 0);
    pool(g, &cur, FF_OP_AVGPOOL, "ap", 3, 2, 1, 1, 1, 0, 1, 0, 0);
    add(g, &cur, FF_OP_GAVGPOOL, "gap");
    ff_node *r = add(g, &cur, FF_OP_RESHAPE, "flat");
    (void)r;
    dense(g, &cur, "fc", 6, 3, FF_ACT_SIGMOID);
    return finish_graph(g, cur);
}

/* 1-D: strided conv with tanh, average pool counting padding, global max,
 * per-channel scale with clip, ELU, softmax. */
static ff_graph *cnn1d(void)
{
    ff_graph *g = ff_graph_new();
    int64_t d[3] = {1, 12, 3};
    int cur = g->input = ff_graph_add_tensor(g, "x", 3, d, NULL);
    conv(g, &cur, "c1", 3, 5, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1, 1, FF_ACT_TANH);
    pool(g, &cur, FF_OP_AVGPOOL, "ap", 1, 2, 1, 2, 0, 1, 0, 1, 1);
    conv(g, &cur, "x", 5, 4, 1, 2, 1, 1, 1, 2, 0, 0, 0, 0, 1, FF_ACT_NONE); /* named like a C++ parameter */
    add(g, &cur, FF_OP_GMAXPOOL, "gmp");
    add(g, &cur, FF_OP_RESHAPE, "flat");
    ff_node *s = add(g, &cur, FF_OP_SCALE, "bn");
    s->n_out_f = 4;
    s->axis = 1;
    s->w = rnd(4, 0.5f);
    s->b = rnd(4, 0.3f);
    for (int i = 0; i < 4; i++)
        s->w[i] += 1.0f;
    s->act = FF_ACT_CLIP;
    s->alpha = -1.0f;
    s->beta = 1.5f;
    ff_node *a = add(g, &cur, FF_OP_ACT, "elu");
    a->act = FF_ACT_ELU;
    a->alpha = 1.0f;
    add(g, &cur, FF_OP_SOFTMAX, "sm")->axis = 1;
    return finish_graph(g, cur);
}

static ff_qmodel *quant(ff_graph *g, const char *cfg_json)
{
    ff_qconfig *c;
    ff_err e;
    if (ff_qconfig_parse(cfg_json, "test", &c, &e))
        fail_msg("%s", e.msg);
    ff_qmodel *q;
    if (ff_quantize(g, c, NULL, &q, &e))
        fail_msg("%s", e.msg);
    ff_qconfig_free(c);
    return q;
}

static int gen(const ff_qmodel *q, const char *name, int stream, ff_err *e)
{
    char path[256];
    snprintf(path, sizeof path, "%s.ffq", name);
    ff_gen_opts o = {name, path, "xc7z020", 5.0, stream, 0, 0};
    return ff_emitter_hls.emit(q, &o, e);
}

/* Generates, compiles (one g++ run) and runs the C simulation. */
static void gen_and_csim(const ff_qmodel *q, const char *name, int stream)
{
    ff_err e = {0};
    if (gen(q, name, stream, &e))
        fail_msg("gen %s: %s", name, e.msg);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "g++ -std=c++14 -Wall -Wextra -Werror -O1 -DFF_CSIM_TRACE -I%s/firmware %s/firmware/*.cpp "
             "%s/tb/tb_%s.cpp -o %s/tb_bin > %s.log 2>&1 && "
             "%s/tb_bin %s/tb_data/tb_input.dat %s/tb_data/tb_output.dat >> %s.log 2>&1",
             name, name, name, name, name, name, name, name, name, name);
    int rc = system(cmd);
    if (rc != 0) {
        char show[300];
        snprintf(show, sizeof show, "tail -n 15 %s.log", name);
        if (system(show) < 0)
            fail_msg("cannot show the log");
        fail_msg("%s: csim failed (status %d)", name, rc);
    }
}

static void test_cnn2d_parallel_and_stream_bit_exact(void **st)
{
    (void)st;
    ff_qmodel *q = quant(cnn2d(), "{\"Model\": {\"weight_bits\": 8, \"act_bits\": 8}}");
    gen_and_csim(q, "cnn2d_par", 0);
    gen_and_csim(q, "cnn2d_str", 1);
    ff_qmodel_free(q);
}

static void test_cnn1d_stream_bit_exact_w16a16_acc40(void **st)
{
    (void)st;
    ff_qmodel *q = quant(cnn1d(), "{\"Model\": {\"weight_bits\": 16, \"act_bits\": 16, \"acc_bits\": 40, "
                                  "\"lut_bits\": 8}}");
    gen_and_csim(q, "cnn1d_w16", 1);
    ff_qmodel_free(q);
}

static void test_cnn1d_parallel_w4a4_with_reuse(void **st)
{
    (void)st;
    /* c1: 9 products x 5 outputs (valid R: 1, 3, 9, 45); x: 10 x 4 (R 2 divides 10) */
    ff_qmodel *q = quant(cnn1d(), "{\"Model\": {\"weight_bits\": 4, \"act_bits\": 4}, "
                                  "\"LayerName\": {\"c1\": {\"reuse\": 9}, \"x\": {\"reuse\": 2}}}");
    gen_and_csim(q, "cnn1d_w4", 0);
    ff_qmodel_free(q);
}

static void test_invalid_reuse_is_refused(void **st)
{
    (void)st;
    ff_qmodel *q = quant(cnn1d(), "{\"LayerName\": {\"c1\": {\"reuse\": 4}}}");
    ff_err e = {0};
    assert_int_equal(gen(q, "bad_reuse", 0, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "reuse factor 4 is not valid"));
    assert_non_null(strstr(e.msg, "'c1'"));
    ff_qmodel_free(q);
}

static void test_branching_graph_is_refused(void **st)
{
    (void)st;
    ff_graph *g = ff_graph_new();
    int64_t d[2] = {1, 4};
    int x = g->input = ff_graph_add_tensor(g, "x", 2, d, NULL);
    int cur = x;
    dense(g, &cur, "fc", 4, 4, FF_ACT_RELU);
    int t = ff_graph_add_tensor(g, "sum", 0, NULL, NULL);
    int ni = ff_graph_add_node(g, FF_OP_ADD, "residual", "Add");
    g->n[ni].n_in = 2;
    g->n[ni].in[0] = cur;
    g->n[ni].in[1] = x;
    g->n[ni].out = t;
    ff_qmodel *q = quant(finish_graph(g, t), "{}");
    ff_err e = {0};
    assert_int_equal(gen(q, "bad_add", 0, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "'residual' (Add"));
    assert_non_null(strstr(e.msg, "not supported by the hls back-end"));
    ff_qmodel_free(q);
}

/* RTL plan, clock-driven pipelining: without a clock the fixed plan (the
 * surrogate dataset's designs); a relaxed clock merges every stage, a tight
 * one registers the products, cuts the tree and splits requantization, and
 * the latency never falls as the clock tightens. */
static void test_rtl_pipe_follows_clock(void **state)
{
    (void)state;
    ff_rtl_pipe pp;
    int lv, st, lat, ii, lat0, ii0;
    /* no clock: a register after every 3 levels but the last group */
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_RELU, 0, &lv, &st, &lat, &ii, &pp);
    ff_rtl_layer_timing(FF_RTL_DOT, 1, 64, 64, &lv, &st, &lat0, &ii0);
    assert_int_equal(lv, 7);
    assert_int_equal(pp.preg, 1);
    assert_true(pp.cuts == ((1u << 2) | (1u << 5)));
    assert_int_equal(pp.rq_split, 0);
    assert_int_equal(lat, 4);
    assert_int_equal(lat, lat0);
    assert_int_equal(ii, ii0);
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 16, 64, 64, FF_ACT_RELU, 0, &lv, &st, &lat, &ii, &pp);
    ff_rtl_layer_timing(FF_RTL_DOT, 16, 64, 64, &lv, &st, &lat0, &ii0);
    assert_int_equal(lat, lat0);
    assert_int_equal(ii, 16);
    /* relaxed: one stage */
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_RELU, 100, &lv, &st, &lat, &ii, &pp);
    assert_int_equal(lat, 1);
    assert_true(pp.cuts == 0 && !pp.preg && !pp.rq_split);
    assert_true(pp.est_ns <= 100);
    /* tight: at 5 ns the first level (the product DSP's post-adder) still
     * fits beside the product, at 4 ns the products take a register of
     * their own; ReLU saturates by compares after the product register
     * (two requantization stages), a table activation rounds first (three) */
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_RELU, 4, &lv, &st, &lat, &ii, &pp);
    assert_int_equal(pp.preg, 1);
    assert_true(pp.est_ns <= 4);
    assert_true(pp.rq_cmp && pp.rq_split == 1);
    /* the last level alone between two registers (the DSP's A/D and AD registers) */
    assert_true(((pp.cuts >> (lv - 1)) & 1) && ((pp.cuts >> (lv - 2)) & 1));
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_RELU, 5, &lv, &st, &lat, &ii, &pp);
    assert_int_equal(pp.preg, 0);
    assert_true(pp.rq_cmp && pp.rq_split == 1); /* v*M | compare and select */
    assert_true(pp.cuts != 0);
    assert_true(pp.est_ns <= 5);
    assert_int_equal(lat, pp.preg + st + pp.rq_split + 1);
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_SIGMOID, 5, &lv, &st, &lat, &ii, &pp);
    assert_true(!pp.rq_cmp && pp.rq_split == 2); /* v*M | rounding shift | saturate, table */
    assert_true(pp.est_ns <= 5);
    /* relaxed enough for the tree in one stage: the last level as the
     * requantization DSP's pre-adder, or registered in front of it */
    ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 64, 64, FF_ACT_RELU, 10, &lv, &st, &lat, &ii, &pp);
    assert_true(pp.est_ns <= 10 && lat <= 2);
    /* latency never falls as the clock tightens (R = 1 and R = 4, each activation kind) */
    int acts[] = {FF_ACT_NONE, FF_ACT_RELU, FF_ACT_LEAKY, FF_ACT_SIGMOID};
    for (int a = 0; a < 4; a++)
        for (int R = 1; R <= 4; R *= 4) {
            int prev = 0;
            for (double c = 40; c >= 2; c -= 0.5) {
                ff_rtl_layer_timing_clk(FF_RTL_DOT, R, 64, 64, acts[a], c, &lv, &st, &lat, &ii, &pp);
                assert_true(lat >= prev);
                prev = lat;
            }
        }
    /* Softmax: 8 stages below its 4-stage form's delay */
    ff_rtl_layer_timing_clk(FF_RTL_SOFTMAX, 1, 0, 0, FF_ACT_NONE, 5, &lv, &st, &lat, &ii, &pp);
    assert_int_equal(lat, 8);
    ff_rtl_layer_timing_clk(FF_RTL_SOFTMAX, 1, 0, 0, FF_ACT_NONE, 15, &lv, &st, &lat, &ii, &pp);
    assert_int_equal(lat, 4);
}

/* A node with several inputs (Add/Sub/Concat) appended to g. */
static int join(ff_graph *g, ff_op op, const char *name, int nin, const int *in, int axis)
{
    int t = ff_graph_add_tensor(g, name, 0, NULL, NULL);
    int ni = ff_graph_add_node(g, op, name, ff_op_name(op));
    g->n[ni].n_in = nin;
    for (int j = 0; j < nin; j++)
        g->n[ni].in[j] = in[j];
    g->n[ni].axis = axis;
    g->n[ni].out = t;
    return t;
}

/* x -> fc1 -> fc2 -> Add(fc2, x) -> fc3: a residual block */
static ff_graph *residual(void)
{
    ff_graph *g = ff_graph_new();
    int64_t d[2] = {1, 8};
    int x = g->input = ff_graph_add_tensor(g, "x", 2, d, NULL), cur = x;
    dense(g, &cur, "fc1", 8, 16, FF_ACT_RELU);
    dense(g, &cur, "fc2", 16, 8, FF_ACT_NONE);
    int in[2] = {cur, x};
    cur = join(g, FF_OP_ADD, "res", 2, in, 0);
    dense(g, &cur, "fc3", 8, 4, FF_ACT_NONE);
    return finish_graph(g, cur);
}

static const ff_rtl_layer *rtl_layer(const ff_rtl_plan *p, const ff_qmodel *q, const char *name)
{
    for (int k = 0; k < p->nl; k++)
        if (!strcmp(q->g->n[p->l[k].ni].name, name))
            return &p->l[k];
    fail_msg("no layer %s", name);
    return NULL;
}

/* RTL plan of a residual block: the output arrives along the longest path
 * (fc1, fc2, the Add, fc3), the handshake model measures exactly that
 * latency and II 1, and the skip input waits in a FIFO of one entry per
 * cycle of the latency difference plus one (II 1: every cycle a sample). */
static void test_rtl_dag_residual_timing(void **st)
{
    (void)st;
    ff_qmodel *q = quant(residual(), "{}");
    ff_rtl_plan p;
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build(q, "res.onnx", &p, &e), FF_OK);
    assert_true(p.dag);
    const ff_rtl_layer *f1 = rtl_layer(&p, q, "fc1"), *f2 = rtl_layer(&p, q, "fc2"), *a = rtl_layer(&p, q, "res"),
                       *f3 = rtl_layer(&p, q, "fc3");
    assert_int_equal(a->kind, FF_RTL_ADD);
    assert_int_equal(a->latency, 1);
    assert_int_equal(p.critical, f1->latency + f2->latency + a->latency + f3->latency);
    assert_int_equal(p.latency, p.critical);
    assert_int_equal(p.ii, 1);
    assert_int_equal(a->nsrc, 2);
    assert_int_equal(a->fifo[0], 0); /* the long branch */
    assert_int_equal(a->fifo[1], f1->latency + f2->latency + 1);
    /* one entry less and the full rate is lost in the steady state */
    int lat, ii, ii_st;
    ((ff_rtl_layer *)a)->fifo[1]--;
    ff_rtl_dag_timing(&p, 0, &lat, &ii, &ii_st, NULL);
    assert_true(ii_st > 1);
    ((ff_rtl_layer *)a)->fifo[1]++;
    assert_int_equal(p.out_bus, (int)(f3 - p.l) + 1);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
}

/* With shared multipliers on the long branch (fc1 at R = 2, fc2 at R = 4)
 * samples arrive every 4 cycles and queue in front of fc2 (an unbounded
 * FIFO would fill with them): the planned FIFO is the smallest that keeps
 * the steady-state II at 4 (one entry less loses it), the latency stays the
 * critical path. */
static void test_rtl_dag_fifo_sized_for_queueing(void **st)
{
    (void)st;
    ff_qmodel *q = quant(residual(), "{\"LayerName\": {\"fc1\": {\"reuse\": 2}, \"fc2\": {\"reuse\": 4}}}");
    ff_rtl_plan p;
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build(q, "res.onnx", &p, &e), FF_OK);
    ff_rtl_layer *a = (ff_rtl_layer *)rtl_layer(&p, q, "res");
    assert_int_equal(p.ii, 4);
    assert_int_equal(p.latency, p.critical);
    int lat, ii, ii_st, ii_unb, occ[64 * FF_MAX_IN];
    assert_true(p.nl <= 64);
    ff_rtl_dag_timing(&p, 0, &lat, &ii, &ii_st, NULL);
    assert_int_equal(lat, p.latency);
    assert_int_equal(ii_st, 4);
    ff_rtl_dag_timing(&p, 1, &lat, &ii, &ii_unb, occ);
    assert_int_equal(ii_unb, 4);
    assert_true(a->fifo[1] >= 2 && a->fifo[1] <= occ[(a - p.l) * FF_MAX_IN + 1] + 1);
    /* queueing needs more than the smallest FIFO (2 entries), and one entry less loses the rate */
    assert_true(a->fifo[1] > 2);
    a->fifo[1]--;
    ff_rtl_dag_timing(&p, 0, &lat, &ii, &ii_st, NULL);
    assert_true(ii_st > 4);
    a->fifo[1]++;
    print_message("residual R 2/4: skip FIFO %d entries (an unbounded one holds %d)\n", a->fifo[1],
                  occ[(a - p.l) * FF_MAX_IN + 1]);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
}

/* A tensor feeding three inputs (fc and twice the Concat): one fork, two
 * FIFOs; Concat of operands of different sizes keeps the critical path. */
static void test_rtl_dag_concat_fork3(void **st)
{
    (void)st;
    ff_graph *g = ff_graph_new();
    int64_t d[2] = {1, 4};
    int x = g->input = ff_graph_add_tensor(g, "x", 2, d, NULL), cur = x;
    dense(g, &cur, "fc", 4, 6, FF_ACT_RELU);
    int in[3] = {cur, x, x};
    cur = join(g, FF_OP_CONCAT, "cat", 3, in, 1);
    ff_qmodel *q = quant(finish_graph(g, cur), "{}");
    ff_rtl_plan p;
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build(q, "cat.onnx", &p, &e), FF_OK);
    const ff_rtl_layer *fc = rtl_layer(&p, q, "fc"), *c = rtl_layer(&p, q, "cat");
    assert_int_equal(c->kind, FF_RTL_CONCAT);
    assert_int_equal(c->n_out, 14);
    assert_int_equal(p.latency, fc->latency + 1);
    assert_int_equal(p.ii, 1);
    assert_int_equal(c->fifo[0], 0);
    assert_int_equal(c->fifo[1], fc->latency + 1);
    assert_int_equal(c->fifo[2], fc->latency + 1);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
}

/* A chain keeps the summed latency and no DAG wiring; io stream refuses a
 * branching graph with one line naming the layer. */
static void test_rtl_dag_chain_and_stream(void **st)
{
    (void)st;
    ff_qmodel *q = quant(cnn1d(), "{}");
    ff_rtl_plan p;
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build(q, "c.onnx", &p, &e), FF_OK);
    assert_false(p.dag);
    int sum = 0;
    for (int k = 0; k < p.nl; k++)
        sum += p.l[k].latency;
    assert_int_equal(p.latency, sum);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
    q = quant(residual(), "{}");
    assert_int_equal(ff_rtl_plan_build_io(q, "res.onnx", 1, &p, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "'res' (Add): io stream supports a single chain"));
    assert_null(strchr(e.msg, '\n'));
    ff_qmodel_free(q);
}

/* n_in, n_out of node i when it multiplies and accumulates (Dense, Conv); 0 otherwise */
static int mac_shape(const ff_qmodel *q, int i, int64_t *n_in, int64_t *n_out)
{
    const ff_node *nd = &q->g->n[i];
    if (nd->op != FF_OP_DENSE && nd->op != FF_OP_CONV)
        return 0;
    ff_layer_mac_shape(q->g, nd, n_in, n_out);
    return 1;
}

/* io stream timing stops once the handshake model's registers repeat from
 * one sample to the next and extrapolates the II: on every valid reuse
 * factor of each multiply-accumulate layer (the others at 1, then at their
 * largest), the same latency and II as running the whole burst cycle by
 * cycle. Returns how many configurations stopped early (*n: how many ran). */
static int stream_timing_agrees(ff_graph *g, const char *name, int *n)
{
    ff_qmodel *q = quant(g, "{}");
    int early = 0;
    int64_t n_in, n_out, oi, oo;
    for (int i = 0; i < q->g->nn; i++) {
        if (!mac_shape(q, i, &n_in, &n_out))
            continue;
        for (int big = 0; big < 2; big++)
            for (int64_t r = 1; r <= n_in * n_out; r++) {
                if (!ff_reuse_valid(n_in, n_in * n_out, r))
                    continue;
                for (int j = 0; j < q->g->nn; j++)
                    if (mac_shape(q, j, &oi, &oo))
                        q->qn[j].cfg.reuse = big ? (int)(oi * oo) : 1;
                q->qn[i].cfg.reuse = (int)r;
                ff_rtl_plan p;
                ff_err e = {0};
                if (ff_rtl_plan_build_io(q, name, 1, &p, &e))
                    fail_msg("%s", e.msg);
                int lf, iif, lp, iip;
                assert_int_equal(ff_rtl_stream_timing_opts(&p, 0, &lf, &iif), 12);
                early += ff_rtl_stream_timing_opts(&p, 1, &lp, &iip) < 12;
                assert_int_equal(lp, lf);
                assert_int_equal(iip, iif);
                assert_int_equal(p.latency, lp);
                assert_int_equal(p.ii, iip);
                ff_rtl_plan_free(&p);
                (*n)++;
            }
    }
    ff_qmodel_free(q);
    return early;
}

static void test_rtl_stream_periodic(void **st)
{
    (void)st;
    const char *models[] = {"tests/models/gen/stream_conv1d.onnx", "tests/models/gen/stream_conv2d.onnx",
                            "tests/models/conv1d_small_keras.onnx", "tests/models/conv2d_small_keras.onnx"};
    for (size_t k = 0; k < sizeof models / sizeof *models; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", ff_test_root(), models[k]);
        ff_graph *g = NULL;
        ff_err e = {0};
        if (ff_model_load_graph(path, &g, &e))
            fail_msg("%s", e.msg);
        int n = 0, early = stream_timing_agrees(g, path, &n);
        assert_true(n >= 8);
        /* the extrapolation is exercised: most configurations repeat within the
         * burst (all 276 of these four, after 3 to 8 samples) */
        if (2 * early < n)
            fail_msg("%s: %d of %d configurations stopped before the burst's end", path, early, n);
    }
}

/* The plan of q without and with --slices (io parallel, fixed plan). */
static void plans_with_slices(const ff_qmodel *q, const char *name, ff_rtl_plan *p, ff_rtl_plan *s)
{
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build(q, name, p, &e), FF_OK);
    assert_int_equal(ff_rtl_plan_build_slices(q, name, 0, 0, 1, s, &e), FF_OK);
}

/* --slices: a chain is planned as a graph with a 2-entry FIFO on every
 * input another layer with logic feeds, through wires too (the Flatten
 * before bn), none on the first layer; each adds one cycle, the II stays,
 * and the handshake model agrees with the critical path. io stream refuses. */
static void test_rtl_slices_chain(void **st)
{
    (void)st;
    ff_qmodel *q = quant(cnn1d(), "{}");
    ff_rtl_plan p, s;
    plans_with_slices(q, "c.onnx", &p, &s);
    assert_true(s.dag && s.slices);
    int n = 0, first = 1;
    for (int k = 0; k < s.nl; k++) {
        const ff_rtl_layer *L = &s.l[k];
        if (L->kind == FF_RTL_WIRE) {
            assert_int_equal(L->slice[0], 0);
            assert_int_equal(L->fifo[0], 0);
            continue;
        }
        assert_int_equal(L->slice[0], !first);
        assert_int_equal(L->fifo[0], first ? 0 : 2);
        n += !first;
        first = 0;
    }
    assert_true(n >= 4);
    int64_t bits = 0;
    assert_int_equal(ff_rtl_slice_count(&s, &bits), n);
    assert_true(bits > 0);
    assert_int_equal(s.latency, p.latency + n);
    assert_int_equal(s.critical, s.latency);
    assert_int_equal(s.ii, p.ii);
    ff_rtl_plan_free(&s);
    ff_rtl_plan_free(&p);
    ff_err e = {0};
    assert_int_equal(ff_rtl_plan_build_slices(q, "c.onnx", 1, 0, 1, &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "--slices applies to io parallel designs"));
    ff_qmodel_free(q);
}

/* --slices on a residual block at reuse 2/4: slices on fc2, the Add's long
 * input and fc3; the skip from the design input gets no slice but its join
 * FIFO, sized for the longer branch; the latency is the critical path with
 * the three slices, the II the one without. */
static void test_rtl_slices_residual(void **st)
{
    (void)st;
    ff_qmodel *q = quant(residual(), "{\"LayerName\": {\"fc1\": {\"reuse\": 2}, \"fc2\": {\"reuse\": 4}}}");
    ff_rtl_plan p, s;
    plans_with_slices(q, "res.onnx", &p, &s);
    const ff_rtl_layer *f1 = rtl_layer(&s, q, "fc1"), *f2 = rtl_layer(&s, q, "fc2"), *a = rtl_layer(&s, q, "res"),
                       *f3 = rtl_layer(&s, q, "fc3");
    assert_int_equal(f1->slice[0], 0);
    assert_int_equal(f2->slice[0], 1);
    assert_int_equal(a->slice[0], 1);
    assert_int_equal(a->slice[1], 0);
    assert_int_equal(f3->slice[0], 1);
    assert_int_equal(f2->fifo[0], 2);
    assert_int_equal(a->fifo[0], 2);
    assert_true(a->fifo[1] >= 2);
    assert_int_equal(s.critical, f1->latency + f2->latency + a->latency + f3->latency + 3);
    assert_int_equal(s.latency, s.critical);
    assert_int_equal(s.ii, p.ii);
    int lat, ii, ii_st;
    ff_rtl_dag_timing(&s, 0, &lat, &ii, &ii_st, NULL);
    assert_int_equal(ii_st, 4);
    ff_rtl_plan_free(&s);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
}

/* fogforge synth's LUT column counts the LUT sites distributed RAM and
 * shift registers take (an io stream line buffer is RAM32M: 4 sites) */
static void test_synth_counts_lutram_sites(void **st)
{
    (void)st;
    cJSON *c = cJSON_Parse("{\"LUT2\": 10, \"LUT6\": 5, \"RAM32M\": 3, \"RAM64X1D\": 2, \"SRLC32E\": 1,"
                           " \"FDRE\": 40, \"RAMB18E1\": 1, \"DSP48E1\": 2}");
    assert_non_null(c);
    long lr = -1;
    assert_int_equal(ff_synth_lut_sites(c, &lr), 15 + 12 + 4 + 1);
    assert_int_equal(lr, 12 + 4 + 1);
    cJSON_Delete(c);
}

/* The float executor's conv sums each output's products in the order row,
 * column, input channel, as one chain in float: the calibration a dataset
 * record was made with is regenerated bit for bit from that order. Checked
 * against the sum written out plainly, with output channels per group that
 * fill no whole block (11, 3) and one that does (16). */
static void test_float_conv_sums_in_fixed_order(void **st)
{
    (void)st;
    const struct {
        int cin, cout, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
    } cs[] = {{6, 22, 3, 2, 2, 1, 1, 2, 1, 0, 1, 1, 2},
              {5, 3, 1, 3, 1, 2, 1, 1, 0, 1, 0, 2, 1},
              {4, 16, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1}};
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        ff_graph *g = ff_graph_new();
        int64_t d[4] = {1, 7, 9, cs[k].cin};
        int cur = g->input = ff_graph_add_tensor(g, "x", 4, d, NULL);
        conv(g, &cur, "c", cs[k].cin, cs[k].cout, cs[k].kh, cs[k].kw, cs[k].sh, cs[k].sw, cs[k].dh, cs[k].dw,
             cs[k].pt, cs[k].pl, cs[k].pb, cs[k].pr, cs[k].group, FF_ACT_NONE);
        finish_graph(g, cur);
        const ff_node *n = &g->n[0];
        ff_geom q = ff_node_geom(g, n);
        int64_t isz = ff_graph_in_size(g), osz = ff_graph_out_size(g), cin_g = q.C / n->group,
                cout_g = q.OC / n->group;
        float *x = rnd(isz, 1.0f), *y = ff_malloc(sizeof(float) * (size_t)osz),
              *want = ff_malloc(sizeof(float) * (size_t)osz);
        for (int64_t oh = 0; oh < q.OH; oh++)
            for (int64_t ow = 0; ow < q.OW; ow++)
                for (int64_t oc = 0; oc < q.OC; oc++) {
                    float acc = 0.0f;
                    for (int i = 0; i < n->kernel[0]; i++)
                        for (int j = 0; j < n->kernel[1]; j++) {
                            int64_t ih = oh * n->stride[0] - n->pad[0] + (int64_t)i * n->dil[0],
                                    iw = ow * n->stride[1] - n->pad[1] + (int64_t)j * n->dil[1];
                            if (ih < 0 || ih >= q.H || iw < 0 || iw >= q.W)
                                continue;
                            for (int64_t c = 0; c < cin_g; c++)
                                acc += n->w[((oc * n->kernel[0] + i) * n->kernel[1] + j) * cin_g + c] *
                                       x[(ih * q.W + iw) * q.C + oc / cout_g * cin_g + c];
                        }
                    want[(oh * q.OW + ow) * q.OC + oc] = acc + n->b[oc];
                }
        ff_fplan *p = ff_fplan_new(g);
        ff_fplan_run(p, x, y, NULL, NULL);
        ff_fplan_free(p);
        assert_memory_equal(y, want, sizeof(float) * (size_t)osz);
        free(x), free(y), free(want);
        ff_graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_conv_sums_in_fixed_order),
        cmocka_unit_test(test_cnn2d_parallel_and_stream_bit_exact),
        cmocka_unit_test(test_cnn1d_stream_bit_exact_w16a16_acc40),
        cmocka_unit_test(test_cnn1d_parallel_w4a4_with_reuse),
        cmocka_unit_test(test_invalid_reuse_is_refused),
        cmocka_unit_test(test_branching_graph_is_refused),
        cmocka_unit_test(test_rtl_pipe_follows_clock),
        cmocka_unit_test(test_rtl_dag_residual_timing),
        cmocka_unit_test(test_rtl_dag_fifo_sized_for_queueing),
        cmocka_unit_test(test_rtl_dag_concat_fork3),
        cmocka_unit_test(test_rtl_dag_chain_and_stream),
        cmocka_unit_test(test_rtl_stream_periodic),
        cmocka_unit_test(test_rtl_slices_chain),
        cmocka_unit_test(test_rtl_slices_residual),
        cmocka_unit_test(test_synth_counts_lutram_sites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
