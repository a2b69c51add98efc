/* The analytical model and the estimate under the options that change the
 * RTL: --clock NS (the pipelined plan's registers, counted from the plan)
 * and --io stream (PE per window, padding/line buffers/window, collector;
 * latency and II from the stream plan). Default designs are untouched. */
#include "testutil.h"

#include "analytic.h"
#include "emit_rtl.h"
#include "estimate.h"
#include "model.h"
#include "rtl_dot.h"
#include "surrogate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* a Dense layer 16 -> 4, every weight nonzero and no power of two: 17 sums
 * per output (16 products + bias), 5 adder levels, 20-bit sums */
static ff_layer_feat dense16x4(double clock_ns)
{
    ff_layer_feat f;
    memset(&f, 0, sizeof f);
    f.op = FF_OP_DENSE;
    f.act = FF_ACT_NONE;
    f.n_in = 16;
    f.n_out = 4;
    f.pixels = 1;
    f.in_size = 16;
    f.out_size = 4;
    f.wbits = f.in_bits = f.out_bits = 8;
    f.acc_bits = 32;
    f.lut_bits = 10;
    f.weights = f.nonzero = 64;
    f.max_terms = 16;
    f.sum_bits = 20;
    f.rq_t_bits = 12;
    f.clock_ns = clock_ns;
    ff_layer_feat_keep_all(&f);
    ff_layer_feat_set_reuse(&f, 1);
    return f;
}

/* without --clock the fixed plan: a register after level 3 holding
 * ceil(16/8) = 2 sums of 20 bits per output (the third node of the 17
 * terms would hold the bias alone: a constant, no register), the output
 * register, 3 valid bits */
static void test_fixed_plan_registers(void **st)
{
    (void)st;
    ff_layer_feat f = dense16x4(0);
    double a[FF_T__COUNT];
    ff_analytic_layer(&f, a);
    assert_int_equal(f.latency, 3);
    assert_true(a[FF_T_FF] == 4 * 2 * 20 + 4 * 8 + 3);
}

/* a relaxed clock: one stage, no tree register, no product register; only
 * the output register and its valid bit remain */
static void test_relaxed_clock_has_no_pipeline_registers(void **st)
{
    (void)st;
    ff_layer_feat f = dense16x4(100);
    double a[FF_T__COUNT];
    ff_analytic_layer(&f, a);
    assert_int_equal(f.latency, 1);
    assert_true(a[FF_T_FF] == 4 * 8 + 1);
    /* the DSPs do not depend on the clock; the LUTs only through the
     * tree's registers (sum_luts): without them each output is one sum of
     * 16 products, 13 rows of full adders (1.6 LUTs a bit) and a carry
     * chain, 21.8 LUTs a bit, where the fixed plan sums two registered
     * groups of 8 (9 each) and then the two (1): 2.8 LUTs a bit more, at
     * the mean of the leaves' and the root's widths, (20 + 9 + 8) / 2 */
    double b[FF_T__COUNT];
    ff_layer_feat g = dense16x4(0);
    ff_analytic_layer(&g, b);
    assert_true(a[FF_T_DSP] == b[FF_T_DSP]);
    if (fabs(a[FF_T_LUT] - b[FF_T_LUT] - 4 * 2.8 * 18.5) > 1e-6)
        fail_msg("relaxed clock %g LUTs, fixed plan %g: %g more, want %g", a[FF_T_LUT], b[FF_T_LUT],
                 a[FF_T_LUT] - b[FF_T_LUT], 4 * 2.8 * 18.5);
}

/* tight clocks: every register the plan places is counted, at the width of
 * the sums; with synthesis flow 2 all of them are fabric FFs (flow 1 had put
 * a first-level register where a pair of DSP products met in the post-adder
 * into that DSP's P register, and the registers around the last level into
 * the requantization DSP's A and AD) */
static void test_tight_clock_counts_the_plans_registers(void **st)
{
    (void)st;
    const double clocks[] = {5, 4, 3};
    for (size_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
        ff_layer_feat f = dense16x4(clocks[c]);
        ff_rtl_pipe pp;
        int lv, sg, lat, ii;
        ff_rtl_layer_timing_clk(FF_RTL_DOT, 1, 16, 16, FF_ACT_NONE, clocks[c], &lv, &sg, &lat, &ii, &pp);
        assert_int_equal(lat, f.latency);
        assert_int_equal(lv, 5);
        double want = 4 * 8 + lat; /* output register, valid bits */
        for (int l = 1; l <= 5; l++)
            if ((pp.cuts >> (l - 1)) & 1)
                want += 4 * ceil(17.0 / (1 << l)) * 20; /* the level's nodes, 4 outputs, 20-bit sums */
        if (pp.rq_split == 2)
            want += 4 * 12;
        double a[FF_T__COUNT];
        ff_analytic_layer(&f, a);
        if (a[FF_T_FF] != want)
            fail_msg("clock %g ns: FF %g, the plan's registers give %g (cuts %llx, preg %d, split %d)", clocks[c],
                     a[FF_T_FF], want, (unsigned long long)pp.cuts, pp.preg, pp.rq_split);
        /* a tight clock places registers the relaxed one does not */
        ff_layer_feat r = dense16x4(100);
        double b[FF_T__COUNT];
        ff_analytic_layer(&r, b);
        assert_true(lat > r.latency);
        assert_true(a[FF_T_FF] > b[FF_T_FF]);
    }
}

/* the stream blocks: padding, a 3x3 window over a 10-pixel-wide padded image
 * of 2 channels x 8 bits (two line buffers), and a collector of 64 x 2 */
static void test_stream_blocks(void **st)
{
    (void)st;
    double a[FF_T__COUNT] = {0};
    ff_stream_feat z;
    memset(&z, 0, sizeof z);
    ff_analytic_stream(&z, a);
    for (int k = 0; k < FF_T__COUNT; k++)
        assert_true(a[k] == 0);
    ff_stream_feat w = {.has_win = 1, .PH = 10, .PW = 10, .C = 2, .kh = 3, .kw = 3, .in_bits = 8};
    ff_analytic_stream(&w, a);
    /* 9 window registers of 16 bits, the row and column counters (4 bits each), the valid bit */
    assert_true(a[FF_T_FF] == 9 * 16 + 4 + 4 + 1);
    double lut_win = a[FF_T_LUT];
    assert_true(lut_win > 0);
    /* more line buffer bits cost more LUTs; a 1-row kernel has no line buffer */
    double b[FF_T__COUNT] = {0};
    ff_stream_feat wide = w;
    wide.C = 8;
    ff_analytic_stream(&wide, b);
    assert_true(b[FF_T_LUT] > lut_win);
    double c[FF_T__COUNT] = {0};
    ff_stream_feat row = w;
    row.kh = 1;
    row.PH = 1;
    ff_analytic_stream(&row, c);
    assert_true(c[FF_T_LUT] < lut_win);
    assert_true(c[FF_T_FF] == 3 * 16 + 4 + 1);
    /* padding adds its counters; the collector its vector register */
    double d[FF_T__COUNT] = {0};
    ff_stream_feat pc = {.has_pad = 1, .PH = 10, .PW = 10, .C = 2, .in_bits = 8, .collect_pixels = 64,
                         .collect_elems = 2};
    ff_analytic_stream(&pc, d);
    assert_true(d[FF_T_FF] == 4 + 4 + 64 * 2 * 8 + 6 + 1);
    assert_true(d[FF_T_DSP] == 0 && d[FF_T_BRAM] == 0);
}

static char *model_path(const char *f)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/models/%s", ff_test_root(), f);
    return buf;
}

/* estimate --io stream: latency and II of the stream plan, the Conv layer as
 * its PE (far fewer multipliers than io parallel), the collector, the Dense
 * after it as in io parallel; --clock changes nothing
 * for io stream (gen keeps its fixed plan) */
static void test_estimate_stream_is_the_stream_plans(void **st)
{
    (void)st;
    ff_qmodel *q;
    ff_err e = {0};
    ff_quant_opts qo = {0};
    qo.reuse = 1;
    const char *path = model_path("conv2d_small_keras.onnx");
    if (ff_model_load_quant(path, &qo, &q, &e))
        fail_msg("%s", e.msg);
    ff_rtl_plan p;
    if (ff_rtl_plan_build_io(q, path, 1, &p, &e))
        fail_msg("%s", e.msg);
    ff_surrogate *s = ff_surrogate_analytic();
    const ff_part *pt = ff_part_find("xcu250");
    ff_estimate rs, rp, rc;
    if (ff_estimate_model_io(q, path, s, pt, 5, 0, 1, &rs, &e) || ff_estimate_model_io(q, path, s, pt, 5, 0, 0, &rp, &e) ||
        ff_estimate_model_io(q, path, s, pt, 5, 5, 1, &rc, &e))
        fail_msg("%s", e.msg);
    assert_true(rs.total[FF_T_LATENCY] == p.latency && rs.total[FF_T_II] == p.ii);
    assert_true(rs.total[FF_T_LATENCY] != rp.total[FF_T_LATENCY]);
    for (int k = 0; k < FF_T__COUNT; k++)
        assert_true(rc.total[k] == rs.total[k]);
    /* layer 0 is the Conv: its PE has 18 multipliers against 968 in io parallel */
    assert_int_equal(q->g->n[0].op, FF_OP_CONV);
    assert_true(rs.l[0].v[FF_T_DSP] < rp.l[0].v[FF_T_DSP] / 10);
    assert_true(rs.l[0].v[FF_T_LATENCY] == p.l[0].latency);
    /* the collector (before the Flatten) adds its 64 x 2 x 8-bit vector; the Dense after it is io parallel's */
    int cn = p.l[p.nseg].ni, dn = -1;
    for (int i = 0; i < q->g->nn; i++)
        if (q->g->n[i].op == FF_OP_DENSE)
            dn = i;
    assert_true(dn > cn);
    assert_true(rs.l[cn].v[FF_T_FF] >= rp.l[cn].v[FF_T_FF] + 64 * 2 * q->qt[q->g->n[cn].in[0]].bits);
    for (int k = 0; k < FF_T__COUNT; k++)
        assert_true(rs.l[dn].v[k] == rp.l[dn].v[k]);
    ff_estimate_free(&rs);
    ff_estimate_free(&rp);
    ff_estimate_free(&rc);
    ff_surrogate_free(s);
    ff_rtl_plan_free(&p);
    ff_qmodel_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_plan_registers),
        cmocka_unit_test(test_relaxed_clock_has_no_pipeline_registers),
        cmocka_unit_test(test_tight_clock_counts_the_plans_registers),
        cmocka_unit_test(test_stream_blocks),
        cmocka_unit_test(test_estimate_stream_is_the_stream_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
