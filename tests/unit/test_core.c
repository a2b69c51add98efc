/* Unit tests of the core: arithmetic primitives, passes, quantization, the
 * integer reference, .ffq round trips, configs and sample files. Graphs are
 * built by hand here; the ONNX front-end has its own tests. */
#include "testutil.h"

#include "dataio.h"
#include "exec.h"
#include "ffq.h"
#include "passes.h"
#include "quant.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng = 0x1234567;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static float nrand(void)
{
    double u1 = urand() + 1e-12, u2 = urand();
    return (float)(sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
}

static void test_shift_round_is_half_up(void **st)
{
    (void)st;
    assert_int_equal(ff_q_shift_round(5, 1), 3);   /* 2.5 -> 3 */
    assert_int_equal(ff_q_shift_round(-5, 1), -2); /* -2.5 -> -2 */
    assert_int_equal(ff_q_shift_round(-6, 1), -3);
    assert_int_equal(ff_q_shift_round(7, 2), 2);   /* 1.75 -> 2 */
    assert_int_equal(ff_q_shift_round(9, 0), 9);
}

static void test_wrap_is_twos_complement(void **st)
{
    (void)st;
    assert_int_equal(ff_q_wrap(127, 8), 127);
    assert_int_equal(ff_q_wrap(128, 8), -128);
    assert_int_equal(ff_q_wrap(-129, 8), 127);
    assert_int_equal(ff_q_wrap(70000, 16), 70000 - 65536);
    assert_true(ff_q_wrap((int64_t)1 << 40, 32) == 0);
}

static void test_rq_from_real_is_accurate(void **st)
{
    (void)st;
    double rs[] = {1.0, 0.5, 0.0031, 0.77, 3.9, 1e-9, -0.25, 123.4};
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        ff_rq q = ff_rq_from_real(rs[i]);
        assert_true(abs(q.m) < 32768);
        assert_true(q.s >= 0 && q.s <= 62);
        double back = ldexp(q.m, -q.s);
        assert_true(fabs(back - rs[i]) <= fabs(rs[i]) * 1.0 / 16384);
    }
    ff_rq z = ff_rq_from_real(0);
    assert_int_equal(z.m, 0);
}

/* input [1,nin] -> Dense(nin->h, relu) -> Dense(h->nout) -> Softmax */
static ff_graph *mlp(int nin, int h, int nout, int with_scale)
{
    ff_graph *g = ff_graph_new();
    int64_t d_in[2] = {1, nin};
    g->input = ff_graph_add_tensor(g, "x", 2, d_in, NULL);
    int t1 = ff_graph_add_tensor(g, "h_pre", 0, NULL, NULL);
    int n1 = ff_graph_add_node(g, FF_OP_DENSE, "fc1", "Gemm");
    g->n[n1].n_in = 1;
    g->n[n1].in[0] = g->input;
    g->n[n1].out = t1;
    g->n[n1].n_in_f = nin;
    g->n[n1].n_out_f = h;
    g->n[n1].w = ff_malloc(sizeof(float) * (size_t)(nin * h));
    g->n[n1].b = ff_malloc(sizeof(float) * (size_t)h);
    for (int i = 0; i < nin * h; i++)
        g->n[n1].w[i] = nrand() * 0.5f;
    for (int i = 0; i < h; i++)
        g->n[n1].b[i] = nrand() * 0.1f;
    int cur = t1;
    if (with_scale) {
        int ts = ff_graph_add_tensor(g, "bn", 0, NULL, NULL);
        int ns = ff_graph_add_node(g, FF_OP_SCALE, "bn1", "BatchNormalization");
        g->n[ns].n_in = 1;
        g->n[ns].in[0] = cur;
        g->n[ns].out = ts;
        g->n[ns].n_out_f = h;
        g->n[ns].axis = 1;
        g->n[ns].w = ff_malloc(sizeof(float) * (size_t)h);
        g->n[ns].b = ff_malloc(sizeof(float) * (size_t)h);
        for (int i = 0; i < h; i++) {
            g->n[ns].w[i] = 0.5f + (float)urand();
            g->n[ns].b[i] = nrand() * 0.2f;
        }
        cur = ts;
    }
    int t2 = ff_graph_add_tensor(g, "h", 0, NULL, NULL);
    int na = ff_graph_add_node(g, FF_OP_ACT, "relu1", "Relu");
    g->n[na].n_in = 1;
    g->n[na].in[0] = cur;
    g->n[na].out = t2;
    g->n[na].act = FF_ACT_RELU;
    int t3 = ff_graph_add_tensor(g, "logits", 0, NULL, NULL);
    int n2 = ff_graph_add_node(g, FF_OP_DENSE, "fc2", "Gemm");
    g->n[n2].n_in = 1;
    g->n[n2].in[0] = t2;
    g->n[n2].out = t3;
    g->n[n2].n_in_f = h;
    g->n[n2].n_out_f = nout;
    g->n[n2].w = ff_malloc(sizeof(float) * (size_t)(h * nout));
    for (int i = 0; i < h * nout; i++)
        g->n[n2].w[i] = nrand() * 0.5f;
    int t4 = ff_graph_add_tensor(g, "prob", 0, NULL, NULL);
    int n3 = ff_graph_add_node(g, FF_OP_SOFTMAX, "softmax", "Softmax");
    g->n[n3].n_in = 1;
    g->n[n3].in[0] = t3;
    g->n[n3].out = t4;
    g->output = t4;
    ff_err e;
    assert_int_equal(ff_graph_compact(g, &e), 0);
    assert_int_equal(ff_graph_infer_shapes(g, &e), 0);
    return g;
}

static void run_float(const ff_graph *g, const float *x, float *y)
{
    ff_fplan *p = ff_fplan_new(g);
    ff_fplan_run(p, x, y, NULL, NULL);
    ff_fplan_free(p);
}

static void test_bn_and_act_fold_into_dense(void **st)
{
    (void)st;
    ff_graph *g = mlp(6, 10, 3, 1);
    float x[6], before[3], after[3];
    for (int i = 0; i < 6; i++)
        x[i] = nrand();
    run_float(g, x, before);
    ff_err e;
    assert_int_equal(ff_passes_run(g, &e), 0);
    assert_int_equal(g->nn, 3); /* Dense(relu), Dense, Softmax */
    assert_int_equal(g->n[0].op, FF_OP_DENSE);
    assert_int_equal(g->n[0].act, FF_ACT_RELU);
    assert_int_equal(g->n[2].op, FF_OP_SOFTMAX);
    assert_non_null(strstr(g->folded, "folded BatchNormalization 'bn1'"));
    run_float(g, x, after);
    for (int i = 0; i < 3; i++)
        assert_true(fabsf(before[i] - after[i]) < 1e-6f);
    ff_graph_free(g);
}

static void test_transpose_pair_cancels_through_relu(void **st)
{
    (void)st;
    ff_graph *g = ff_graph_new();
    int64_t d[4] = {1, 4, 3, 2};
    g->input = ff_graph_add_tensor(g, "x", 4, d, NULL);
    int a = ff_graph_add_tensor(g, "a", 0, NULL, NULL), b = ff_graph_add_tensor(g, "b", 0, NULL, NULL),
        c = ff_graph_add_tensor(g, "c", 0, NULL, NULL);
    int n0 = ff_graph_add_node(g, FF_OP_TRANSPOSE, "t0", "Transpose");
    int p0[4] = {0, 3, 1, 2}, p1[4] = {0, 2, 3, 1};
    g->n[n0].n_in = 1, g->n[n0].in[0] = g->input, g->n[n0].out = a;
    memcpy(g->n[n0].perm, p0, sizeof p0);
    int n1 = ff_graph_add_node(g, FF_OP_ACT, "r", "Relu");
    g->n[n1].n_in = 1, g->n[n1].in[0] = a, g->n[n1].out = b, g->n[n1].act = FF_ACT_RELU;
    int n2 = ff_graph_add_node(g, FF_OP_TRANSPOSE, "t1", "Transpose");
    g->n[n2].n_in = 1, g->n[n2].in[0] = b, g->n[n2].out = c;
    memcpy(g->n[n2].perm, p1, sizeof p1);
    g->output = c;
    ff_err e;
    assert_int_equal(ff_graph_compact(g, &e), 0);
    assert_int_equal(ff_graph_infer_shapes(g, &e), 0);
    float x[24], y0[24], y1[24];
    for (int i = 0; i < 24; i++)
        x[i] = nrand();
    run_float(g, x, y0);
    assert_int_equal(ff_passes_run(g, &e), 0);
    assert_int_equal(g->nn, 1);
    assert_int_equal(g->n[0].op, FF_OP_ACT);
    run_float(g, x, y1);
    assert_memory_equal(y0, y1, sizeof y0);
    ff_graph_free(g);
}

static double agreement(ff_qmodel *q, const ff_graph *fg, int n)
{
    int64_t isz = ff_graph_in_size(fg), osz = ff_graph_out_size(fg);
    float *x = ff_malloc(sizeof(float) * (size_t)isz), *yf = ff_malloc(sizeof(float) * (size_t)osz),
          *yq = ff_malloc(sizeof(float) * (size_t)osz);
    int32_t *qx = ff_malloc(sizeof(int32_t) * (size_t)isz), *qy = ff_malloc(sizeof(int32_t) * (size_t)osz);
    ff_qplan *qp = ff_qplan_new(q);
    ff_fplan *fp = ff_fplan_new(fg);
    int agree = 0;
    for (int k = 0; k < n; k++) {
        for (int64_t i = 0; i < isz; i++)
            x[i] = nrand();
        ff_fplan_run(fp, x, yf, NULL, NULL);
        ff_quantize_input(q, x, qx);
        ff_qplan_run(qp, qx, qy);
        ff_dequantize_output(q, qy, yq);
        agree += ff_argmax_f(yf, osz) == ff_argmax_f(yq, osz);
    }
    ff_qplan_free(qp);
    ff_fplan_free(fp);
    free(x), free(yf), free(yq), free(qx), free(qy);
    return (double)agree / n;
}

static void test_quantized_mlp_agrees_with_float(void **st)
{
    (void)st;
    for (int bits = 8; bits <= 16; bits += 8) {
        ff_graph *g = mlp(16, 32, 5, 0), *fg = mlp(16, 32, 5, 0);
        ff_err e;
        assert_int_equal(ff_passes_run(g, &e), 0);
        ff_qconfig *c = ff_qconfig_default(bits, bits);
        ff_qmodel *q;
        assert_int_equal(ff_quantize(g, c, NULL, &q, &e), 0);
        rng = 99;
        double a = agreement(q, q->g, 500);
        if (a < (bits == 8 ? 0.95 : 0.995))
            fail_msg("w%da%d argmax agreement %.3f", bits, bits, a);
        ff_qmodel_free(q);
        ff_qconfig_free(c);
        ff_graph_free(fg);
    }
}

static ff_qmodel *small_qmodel(void)
{
    ff_graph *g = mlp(8, 12, 4, 1);
    ff_err e;
    assert_int_equal(ff_passes_run(g, &e), 0);
    ff_qconfig *c = ff_qconfig_default(8, 8);
    ff_qmodel *q;
    assert_int_equal(ff_quantize(g, c, NULL, &q, &e), 0);
    ff_qconfig_free(c);
    return q;
}

static void test_ffq_round_trip_is_bit_exact(void **st)
{
    (void)st;
    ff_qmodel *q = small_qmodel();
    char *js = ff_ffq_dump(q, 0);
    ff_qmodel *r;
    ff_err e = {0};
    if (ff_ffq_parse(js, "mem", &r, &e))
        fail_msg("%s", e.msg);
    ff_qplan *a = ff_qplan_new(q), *b = ff_qplan_new(r);
    for (int k = 0; k < 100; k++) {
        float x[8];
        int32_t qx[8], ya[4], yb[4];
        for (int i = 0; i < 8; i++)
            x[i] = nrand();
        ff_quantize_input(q, x, qx);
        ff_qplan_run(a, qx, ya);
        ff_qplan_run(b, qx, yb);
        assert_memory_equal(ya, yb, sizeof ya);
    }
    ff_qplan_free(a);
    ff_qplan_free(b);
    char *js2 = ff_ffq_dump(r, 0);
    assert_string_equal(js, js2);
    free(js2);
    ff_qmodel_free(r);
    /* The plain form (JSON arrays) reads back to the same model, and so
     * does it as a version-1 file. */
    char *plain = ff_ffq_dump(q, FF_FFQ_PLAIN);
    assert_null(strstr(plain, "base64"));
    assert_non_null(strstr(js, "\"base64\""));
    char *v1 = ff_strdup(plain);
    char *ver = strstr(v1, "\"version\":2");
    assert_non_null(ver);
    ver[10] = '1';
    const char *forms[2] = {plain, v1};
    for (int f = 0; f < 2; f++) {
        if (ff_ffq_parse(forms[f], "mem", &r, &e))
            fail_msg("%s", e.msg);
        js2 = ff_ffq_dump(r, 0);
        assert_string_equal(js, js2);
        free(js2);
        ff_qmodel_free(r);
    }
    free(v1);
    free(plain);
    free(js);
    ff_qmodel_free(q);
}

static void expect_bad_ffq(const char *js, const char *needle)
{
    ff_qmodel *r = NULL;
    ff_err e = {0};
    assert_int_equal(ff_ffq_parse(js, "bad.ffq", &r, &e), FF_EINPUT);
    assert_null(r);
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
}

static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *o = ff_malloc(n);
    memcpy(o, s, (size_t)(p - s));
    strcpy(o + (p - s), to);
    strcat(o, p + strlen(from));
    return o;
}

static void test_ffq_rejects_corrupt_files(void **st)
{
    (void)st;
    ff_qmodel *q = small_qmodel();
    char *js = ff_ffq_dump(q, 0);
    size_t n = strlen(js);
    char *trunc = ff_strdup(js);
    trunc[n / 2] = 0;
    expect_bad_ffq(trunc, "invalid JSON");
    expect_bad_ffq("{\"format\":\"other\"}", "not a .ffq");
    /* one edit each, and what the message must name; the first layer's qw
     * is packed int8 (8-bit weights) */
    static const struct {
        const char *from, *to, *needle;
    } edits[] = {
        {"\"version\":2", "\"version\":7", "version 7"},
        {"\"weight_bits\":8", "\"weight_bits\":99", "weight_bits"},
        {"\"output\":1", "\"output\":9999", "output"},
        {"\"rq\":[[", "\"rq\":[[99999,", "rq"},
        {"\"qw\":{\"dtype\":\"int8\"", "\"qw\":{\"dtype\":\"int7\"", "packed field 'qw' has an unknown dtype"},
        {"\"qw\":{\"dtype\":\"int8\"", "\"qw\":{\"dtype\":\"int16\"", "packed field 'qw': base64 of the wrong length"},
        {"\"qw\":{\"dtype\":\"int8\",\"count\":", "\"qw\":{\"dtype\":\"int8\",\"count\":1",
         "field 'qw' has the wrong length"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *x = replace_once(js, edits[i].from, edits[i].to);
        expect_bad_ffq(x, edits[i].needle);
        free(x);
    }
    free(trunc);
    char *chr = ff_strdup(js);
    char *b = strstr(strstr(chr, "\"qw\":"), "\"base64\":\"") + 10;
    b[0] = '*';
    expect_bad_ffq(chr, "packed field 'qw': invalid base64");
    /* 0x80 = -128 is outside 8-bit weights' [-127, 127] */
    memcpy(b, "gICA", 4);
    expect_bad_ffq(chr, "field 'qw' holds a value out of range");
    /* a NaN weight: float32 0x7fc00000 little-endian */
    char *nan = ff_strdup(js);
    char *wb = strstr(strstr(nan, "\"w\":"), "\"base64\":\"") + 10;
    memcpy(wb, "AADAfwAA", 8);
    expect_bad_ffq(nan, "field 'w' holds a value out of range");
    free(chr), free(nan);
    free(js);
    ff_qmodel_free(q);
}

static void test_config_levels_resolve_in_order(void **st)
{
    (void)st;
    ff_qconfig *c;
    ff_err e = {0};
    const char *js = "{\"Model\":{\"weight_bits\":6,\"reuse\":2},\"LayerType\":{\"Dense\":{\"act_bits\":10}},"
                     "\"LayerName\":{\"fc2\":{\"reuse\":8}}}";
    assert_int_equal(ff_qconfig_parse(js, "cfg", &c, &e), 0);
    ff_node n1 = {.name = "fc1", .op = FF_OP_DENSE}, n2 = {.name = "fc2", .op = FF_OP_DENSE},
            n3 = {.name = "sm", .op = FF_OP_SOFTMAX};
    ff_layer_cfg a = ff_qconfig_resolve(c, &n1), b = ff_qconfig_resolve(c, &n2), s = ff_qconfig_resolve(c, &n3);
    assert_int_equal(a.weight_bits, 6);
    assert_int_equal(a.act_bits, 10);
    assert_int_equal(a.reuse, 2);
    assert_int_equal(b.reuse, 8);
    assert_int_equal(s.act_bits, 8);
    assert_int_equal(s.acc_bits, 0); /* automatic */
    assert_int_equal(ff_qconfig_io(c), 0);
    assert_int_equal(ff_qconfig_slices(c), 0);
    ff_qconfig_free(c);
    /* Model.io and Model.slices: global RTL shape, not layer fields */
    assert_int_equal(ff_qconfig_parse("{\"Model\":{\"io\":\"stream\",\"slices\":true,\"reuse\":4}}", "cfg", &c, &e), 0);
    assert_int_equal(ff_qconfig_io(c), 2);
    assert_int_equal(ff_qconfig_slices(c), 1);
    assert_int_equal(ff_qconfig_resolve(c, &n1).reuse, 4);
    ff_qconfig_free(c);
    assert_int_equal(ff_qconfig_parse("{\"Model\":{\"slices\":false}}", "cfg", &c, &e), 0);
    assert_int_equal(ff_qconfig_slices(c), 0);
    ff_qconfig_free(c);
    const char *bad[] = {"{\"Model\":{\"weight_bits\":1}}", "{\"Model\":{\"wbits\":8}}", "{\"Layers\":{}}",
                         "{\"LayerType\":{\"Dens\":{}}}", "[1,2]", "{\"Model\":",
                         "{\"Model\":{\"slices\":1}}", "{\"Model\":{\"io\":\"stream\",\"slices\":\"yes\"}}",
                         "{\"Model\":{\"io\":\"serial\",\"slices\":true}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ff_qconfig_parse(bad[i], "cfg.json", &c, &e), FF_EINPUT);
        assert_non_null(strstr(e.msg, "cfg.json"));
    }
}

static void test_text_samples_errors_name_line_and_field(void **st)
{
    (void)st;
    ff_samples s;
    ff_err e = {0};
    assert_int_equal(ff_samples_parse_text("1 2 3\n4 5 6\n", 12, "in.txt", 3, &s, &e), 0);
    assert_int_equal(s.n, 2);
    assert_true(s.data[5] == 6.0f);
    ff_samples_free(&s);
    assert_int_equal(ff_samples_parse_text("1 2 3\n4 5\n", 10, "in.txt", 3, &s, &e), FF_EINPUT);
    assert_string_equal(e.msg, "in.txt:2: expected 3 values, got 2");
    assert_int_equal(ff_samples_parse_text("1 x 3\n", 6, "in.txt", 3, &s, &e), FF_EINPUT);
    assert_string_equal(e.msg, "in.txt:1: field 2 'x' is not a finite number");
    assert_int_equal(ff_samples_parse_text("1 nan 3\n", 8, "in.txt", 3, &s, &e), FF_EINPUT);
    assert_int_equal(ff_samples_parse_text("\n\n", 2, "in.txt", 3, &s, &e), FF_EINPUT);
}

static void test_npy_round_trip_and_errors(void **st)
{
    (void)st;
    float v[6] = {1, 2, 3, 4, 5, 6.5f};
    ff_err e = {0};
    assert_int_equal(ff_samples_write_float("t.npy", v, 2, 3, &e), 0);
    ff_samples s;
    assert_int_equal(ff_samples_read("t.npy", 3, &s, &e), 0);
    assert_int_equal(s.n, 2);
    assert_memory_equal(s.data, v, sizeof v);
    ff_samples_free(&s);
    assert_int_equal(ff_samples_read("t.npy", 4, &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "the model wants 4"));
    char *buf;
    size_t len;
    assert_int_equal(ff_read_file("t.npy", 1 << 20, &buf, &len, &e), 0);
    assert_int_equal(ff_samples_parse_npy((unsigned char *)buf, len - 1, "t.npy", 3, &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "data bytes"));
    memcpy(buf, "XXXX", 4);
    assert_int_equal(ff_samples_parse_npy((unsigned char *)buf, len, "t.npy", 3, &s, &e), FF_EINPUT);
    free(buf);
    remove("t.npy");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shift_round_is_half_up),
        cmocka_unit_test(test_wrap_is_twos_complement),
        cmocka_unit_test(test_rq_from_real_is_accurate),
        cmocka_unit_test(test_bn_and_act_fold_into_dense),
        cmocka_unit_test(test_transpose_pair_cancels_through_relu),
        cmocka_unit_test(test_quantized_mlp_agrees_with_float),
        cmocka_unit_test(test_ffq_round_trip_is_bit_exact),
        cmocka_unit_test(test_ffq_rejects_corrupt_files),
        cmocka_unit_test(test_config_levels_resolve_in_order),
        cmocka_unit_test(test_text_samples_errors_name_line_and_field),
        cmocka_unit_test(test_npy_round_trip_and_errors),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
