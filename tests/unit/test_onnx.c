/* ONNX front-end: the shared hls4ml models lower to the expected IR (node
 * kinds, shapes, weight layouts checked against values read with onnx's
 * numpy_helper), and malformed or unsupported models fail with FF_EINPUT and
 * a message naming what and where. Small models come from
 * tests/models/gen/make_models.py. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "onnx.h"

static char *path_of(const char *dir, const char *file)
{
    static char buf[4][1024];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 1024, "%s/%s/%s", ff_test_root(), dir, file);
    return p;
}
#define SHARED(f) path_of("tests/models", f) /* copies of ../shared/models */
#define GEN(f) path_of("tests/models/gen", f)

static ff_graph *load_ok(const char *path)
{
    ff_graph *g = NULL;
    ff_err e = {0};
    int rc = ff_onnx_load(path, &g, &e);
    if (rc)
        fprintf(stderr, "load %s: %s\n", path, e.msg);
    assert_int_equal(rc, FF_OK);
    assert_non_null(g);
    return g;
}

/* Loading fails with FF_EINPUT and a message containing each given string. */
static void load_fails(const char *path, const char *s1, const char *s2)
{
    ff_graph *g = (ff_graph *)1;
    ff_err e = {0};
    int rc = ff_onnx_load(path, &g, &e);
    if (rc != FF_EINPUT || !strstr(e.msg, s1) || (s2 && !strstr(e.msg, s2)))
        fprintf(stderr, "%s: rc %d msg '%s' (want '%s' '%s')\n", path, rc, e.msg, s1, s2 ? s2 : "");
    assert_int_equal(rc, FF_EINPUT);
    assert_null(g);
    assert_non_null(strstr(e.msg, s1));
    if (s2)
        assert_non_null(strstr(e.msg, s2));
}

static const ff_node *node_named(const ff_graph *g, const char *name)
{
    for (int i = 0; i < g->nn; i++)
        if (strcmp(g->n[i].name, name) == 0)
            return &g->n[i];
    fail_msg("no node '%s'", name);
    return NULL;
}

static int count_op(const ff_graph *g, ff_op op)
{
    int n = 0;
    for (int i = 0; i < g->nn; i++)
        n += g->n[i].op == op;
    return n;
}

static void check_dims(const ff_tensor *t, int rank, const int64_t *d)
{
    assert_int_equal(t->rank, rank);
    for (int i = 0; i < rank; i++)
        assert_int_equal(t->dims[i], d[i]);
}
#define DIMS(t, ...)                                                                   \
    do {                                                                               \
        const int64_t d_[] = {__VA_ARGS__};                                            \
        check_dims((t), (int)(sizeof d_ / sizeof d_[0]), d_);                          \
    } while (0)

static void near(double got, double want)
{
    double tol = 1e-6 * fabs(want) + 1e-7;
    if (fabs(got - want) > tol)
        fail_msg("got %.9g want %.9g", got, want);
}

/* ---------- the shared hls4ml models ---------- */

static void test_three_layer_keras_lowers_to_dense_scale_relu(void **st)
{
    ff_graph *g = load_ok(SHARED("three_layer_keras.onnx"));
    const ff_op want[] = {FF_OP_DENSE, FF_OP_SCALE, FF_OP_ACT, FF_OP_DENSE, FF_OP_SCALE, FF_OP_ACT,
                          FF_OP_DENSE, FF_OP_SCALE, FF_OP_ACT, FF_OP_DENSE, FF_OP_SCALE, FF_OP_SOFTMAX};
    assert_int_equal(g->nn, 12);
    for (int i = 0; i < 12; i++)
        assert_int_equal(g->n[i].op, want[i]);
    DIMS(&g->t[g->input], 1, 16);
    DIMS(&g->t[g->output], 1, 5);
    assert_int_equal(g->opset, 9);
    assert_string_equal(g->producer, "OnnxMLTools");
    assert_int_equal(strlen(g->source_sha256), 64);
    assert_non_null(strstr(g->source, "three_layer_keras.onnx"));
    const ff_node *d = &g->n[0];
    assert_int_equal(d->n_in_f, 16);
    assert_int_equal(d->n_out_f, 64);
    assert_null(d->b);
    near(d->w[5 * 16 + 2], -0.291486442); /* W[2][5]: [n_in][n_out] -> [n_out][n_in] */
    near(g->n[9].w[4 * 32 + 31], 0.274296314);
    const ff_node *s = &g->n[1];
    assert_int_equal(s->n_out_f, 64);
    assert_int_equal(s->axis, 1);
    near(s->w[5], 1.0);
    near(s->b[5], 0.0);
    assert_int_equal(g->n[2].act, FF_ACT_RELU);
    assert_int_equal(g->n[11].axis, 1);
    ff_graph_free(g);
}

static void test_three_layer_pytorch_batch_789444_becomes_1(void **st)
{
    ff_graph *g = load_ok(SHARED("three_layer_pytorch.onnx"));
    DIMS(&g->t[g->input], 1, 16);
    DIMS(&g->t[g->output], 1, 5);
    assert_int_equal(count_op(g, FF_OP_DENSE), 4);
    const ff_node *d = node_named(g, "Gemm_0");
    assert_int_equal(d->op, FF_OP_DENSE);
    near(d->w[5 * 16 + 2], -0.232946187); /* transB: already [n_out][n_in] */
    near(d->b[5], -0.0454460979);
    near(node_named(g, "Gemm_6")->w[4 * 32 + 31], -0.131724119);
    assert_int_equal(node_named(g, "Softmax_7")->op, FF_OP_SOFTMAX);
    ff_graph_free(g);
}

static void test_three_layer_bn_keras_bn_on_transposed_dense_uses_axis0(void **st)
{
    ff_graph *g = load_ok(SHARED("three_layer_bn_keras.onnx"));
    assert_int_equal(g->opset, 7);
    assert_int_equal(count_op(g, FF_OP_SCALE), 4);
    assert_int_equal(count_op(g, FF_OP_TRANSPOSE), 8);
    const ff_node *bn = node_named(g, "BatchNormalization__");
    assert_int_equal(bn->op, FF_OP_SCALE);
    assert_int_equal(bn->axis, 0);
    assert_int_equal(bn->n_out_f, 64);
    DIMS(&g->t[bn->in[0]], 64, 1);
    near(bn->w[3], 1.09915912);
    near(bn->b[3], -0.133221671);
    DIMS(&g->t[g->output], 1, 5);
    ff_graph_free(g);
}

static void test_two_layer_keras_ends_in_sigmoid(void **st)
{
    ff_graph *g = load_ok(SHARED("two_layer_keras.onnx"));
    DIMS(&g->t[g->input], 1, 10);
    DIMS(&g->t[g->output], 1, 1);
    const ff_node *last = &g->n[g->nn - 1];
    assert_int_equal(last->op, FF_OP_ACT);
    assert_int_equal(last->act, FF_ACT_SIGMOID);
    const ff_node *d = node_named(g, "_class__keras_layers_core_Dense__1");
    near(d->w[31], 0.820765555);
    near(node_named(g, "Add1")->b[0], 0.0985319614);
    ff_graph_free(g);
}

static void test_dense_big_keras_keeps_identities_for_the_pass(void **st)
{
    ff_graph *g = load_ok(SHARED("dense_big_keras.onnx"));
    assert_int_equal(count_op(g, FF_OP_DENSE), 6);
    assert_int_equal(count_op(g, FF_OP_IDENTITY), 4);
    near(node_named(g, "_class__keras_layers_core_Dense__5")->w[3 * 100 + 7], 0.101072535);
    ff_graph_free(g);
}

static void test_conv1d_keras_conv_is_channels_last_sandwich(void **st)
{
    ff_graph *g = load_ok(SHARED("conv1d_small_keras.onnx"));
    DIMS(&g->t[g->input], 1, 10, 4);
    DIMS(&g->t[g->output], 1, 5);
    assert_int_equal(count_op(g, FF_OP_CONV), 3);
    const ff_node *c = node_named(g, "Conv1D__");
    assert_int_equal(c->op, FF_OP_CONV);
    assert_int_equal(c->spatial, 1);
    assert_int_equal(c->kernel[0], 1);
    assert_int_equal(c->kernel[1], 4);
    assert_int_equal(c->pad[0], 0);
    assert_int_equal(c->pad[1], 1);
    assert_int_equal(c->pad[2], 0);
    assert_int_equal(c->pad[3], 2);
    assert_int_equal(c->n_in_f, 4);
    assert_int_equal(c->n_out_f, 3);
    DIMS(&g->t[c->in[0]], 1, 10, 4);
    DIMS(&g->t[c->out], 1, 10, 3);
    /* W[2][3][1] -> w[cout=2][kh=0][kw=1][cin=3] */
    near(c->w[((2 * 1 + 0) * 4 + 1) * 4 + 3], 0.195127189);
    near(node_named(g, "Conv1D__1")->w[((1 * 1 + 0) * 4 + 3) * 3 + 2], 0.0657615215);
    const ff_node *t = &g->n[c - g->n - 1];
    assert_int_equal(t->op, FF_OP_TRANSPOSE);
    assert_int_equal(t->perm[1], 2);
    assert_int_equal(t->perm[2], 1);
    const ff_node *f = node_named(g, "_class__keras_layers_core_Flatten__");
    assert_int_equal(f->op, FF_OP_RESHAPE);
    DIMS(&g->t[f->out], 1, 10);
    ff_graph_free(g);
}

static void test_conv2d_keras_weights_relaid_out(void **st)
{
    ff_graph *g = load_ok(SHARED("conv2d_small_keras.onnx"));
    DIMS(&g->t[g->input], 1, 8, 8, 1);
    DIMS(&g->t[g->output], 1, 10);
    const ff_node *c = node_named(g, "Conv2D__");
    assert_int_equal(c->spatial, 2);
    assert_int_equal(c->kernel[0], 3);
    assert_int_equal(c->kernel[1], 3);
    for (int i = 0; i < 4; i++)
        assert_int_equal(c->pad[i], 1);
    DIMS(&g->t[c->out], 1, 8, 8, 2);
    near(c->w[((1 * 3 + 2) * 3 + 1) * 1 + 0], -0.0108566359); /* W[1][0][2][1] */
    near(c->b[1], 0.000251227815);
    near(node_named(g, "Gemm_6")->w[7 * 128 + 100], -0.147722438);
    assert_int_equal(count_op(g, FF_OP_IDENTITY), 1);
    ff_graph_free(g);
}

static void test_qonnx_models_rejected_naming_quant(void **st)
{
    load_fails(SHARED("bnn_model_fc_1layer.onnx"), "unsupported op '", "Quant'");
    load_fails(SHARED("branched_model_ch_last.onnx"), "unsupported op 'Quant'", "domain");
    load_fails(SHARED("separable_conv_model_ch_last.onnx"), "unsupported op 'Quant'", "node 'Quant_0'");
    load_fails(SHARED("tiny_unet_ch_last.onnx"), "unsupported op 'Quant'", "tiny_unet_ch_last.onnx");
}

/* ---------- generated good models ---------- */

static void test_gemm_alpha_beta_transB_raw_and_typed_weights(void **st)
{
    ff_graph *g = load_ok(GEN("dense_mixed.onnx"));
    DIMS(&g->t[g->input], 1, 4); /* symbolic batch "N" */
    const ff_node *d = node_named(g, "fc1");
    assert_int_equal(d->n_in_f, 4);
    assert_int_equal(d->n_out_f, 3);
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 4; i++)
            near(d->w[o * 4 + i], 2.0 * (-1.0 + 0.25 * (o * 4 + i))); /* alpha * W1[o][i] */
    near(d->b[0], 1.5);
    near(d->b[1], -1.5);
    near(d->b[2], 3.0);
    const ff_node *m = node_named(g, "fc2");
    assert_null(m->b);
    for (int o = 0; o < 2; o++)
        for (int i = 0; i < 3; i++)
            near(m->w[o * 3 + i], 1.0 - 0.5 * (i * 2 + o)); /* W2[i][o] */
    assert_int_equal(node_named(g, "tanh")->act, FF_ACT_TANH);
    ff_graph_free(g);
}

static void test_constants_sub_mul_clip_squeeze_opset13(void **st)
{
    ff_graph *g = load_ok(GEN("consts_op13.onnx"));
    const ff_node *a = node_named(g, "sub_xc"), *b = node_named(g, "sub_cx"),
                  *c = node_named(g, "mul_c");
    assert_int_equal(a->op, FF_OP_SCALE);
    assert_int_equal(a->n_out_f, 3);
    assert_int_equal(a->axis, 1);
    for (int i = 0; i < 3; i++) {
        near(a->w[i], 1);
        near(a->b[i], -(i + 1.0));
        near(b->w[i], -1);
        near(b->b[i], i + 1.0);
    }
    assert_int_equal(c->n_out_f, 1);
    near(c->w[0], 2);
    near(c->b[0], 0);
    const ff_node *cl = node_named(g, "clip");
    assert_int_equal(cl->act, FF_ACT_CLIP);
    near(cl->alpha, -1);
    assert_true(isinf(cl->beta) && cl->beta > 0);
    DIMS(&g->t[node_named(g, "unsq")->out], 1, 3, 1);
    DIMS(&g->t[node_named(g, "sq")->out], 1, 3);
    const ff_node *lk = node_named(g, "leaky");
    assert_int_equal(lk->act, FF_ACT_LEAKY);
    near(lk->alpha, 0.2);
    near(node_named(g, "elu")->alpha, 1.0);
    const ff_node *se = node_named(g, "selu");
    near(se->alpha, 1.67326319217681884765625);
    near(se->beta, 1.05070102214813232421875);
    /* fc weights: Reshape(Transpose(K)) folded, K[o][i] = 3o + i */
    const ff_node *fc = node_named(g, "fc");
    for (int o = 0; o < 2; o++)
        for (int i = 0; i < 3; i++)
            near(fc->w[o * 3 + i], 3 * o + i);
    assert_non_null(g->folded);
    assert_non_null(strstr(g->folded, "fold_t"));
    assert_non_null(strstr(g->folded, "fold_r"));
    assert_int_equal(count_op(g, FF_OP_TRANSPOSE), 0);
    ff_graph_free(g);
}

static void test_depthwise_same_upper_pools_concat(void **st)
{
    ff_graph *g = load_ok(GEN("conv2d_mix.onnx"));
    const ff_node *dw = node_named(g, "dw");
    assert_int_equal(dw->group, 2);
    assert_int_equal(dw->n_in_f, 2);
    assert_int_equal(dw->n_out_f, 4);
    assert_int_equal(dw->stride[0], 2);
    assert_int_equal(dw->stride[1], 2);
    for (int i = 0; i < 4; i++)
        assert_int_equal(dw->pad[i], 1);
    DIMS(&g->t[dw->out], 1, 4, 3, 4);
    for (int k = 0; k < 36; k++)
        near(dw->w[k], -1.0 + 0.05 * k);
    near(dw->b[3], 0.4);
    const ff_node *pw = node_named(g, "pw");
    assert_int_equal(pw->pad[0], 1); /* top */
    assert_int_equal(pw->pad[1], 0); /* left */
    assert_int_equal(pw->pad[2], 0); /* bottom */
    assert_int_equal(pw->pad[3], 1); /* right */
    assert_null(pw->b);
    for (int o = 0; o < 3; o++)
        for (int ky = 0; ky < 2; ky++)
            for (int kx = 0; kx < 2; kx++)
                for (int ci = 0; ci < 4; ci++)
                    near(pw->w[((o * 2 + ky) * 2 + kx) * 4 + ci],
                         0.5 - 0.01 * (((o * 4 + ci) * 2 + ky) * 2 + kx));
    DIMS(&g->t[node_named(g, "mp")->out], 1, 3, 2, 3);
    const ff_node *ap = node_named(g, "ap");
    assert_int_equal(ap->op, FF_OP_AVGPOOL);
    assert_int_equal(ap->count_include_pad, 1);
    assert_int_equal(node_named(g, "mp")->op, FF_OP_MAXPOOL);
    assert_int_equal(node_named(g, "add")->op, FF_OP_ADD);
    const ff_node *cat = node_named(g, "cat");
    assert_int_equal(cat->op, FF_OP_CONCAT);
    assert_int_equal(cat->axis, 1);
    DIMS(&g->t[cat->out], 1, 6, 3, 2);
    const ff_node *gap = node_named(g, "gap");
    assert_int_equal(gap->op, FF_OP_GAVGPOOL);
    DIMS(&g->t[gap->out], 1, 1, 1, 6);
    DIMS(&g->t[g->output], 1, 6);
    ff_graph_free(g);
}

static void test_conv1d_same_lower_dilation_and_batchnorm(void **st)
{
    ff_graph *g = load_ok(GEN("conv1d_bn.onnx"));
    const ff_node *c = node_named(g, "c1d");
    assert_int_equal(c->spatial, 1);
    assert_int_equal(c->kernel[1], 3);
    assert_int_equal(c->dil[1], 2);
    assert_int_equal(c->pad[1], 2);
    assert_int_equal(c->pad[3], 2);
    DIMS(&g->t[c->out], 1, 6, 2);
    near(c->w[((1 * 1 + 0) * 3 + 2) * 3 + 1], 0.2 + 0.1 * ((1 * 3 + 1) * 3 + 2)); /* W[1][1][2] */
    const ff_node *bn = node_named(g, "bn");
    assert_int_equal(bn->op, FF_OP_SCALE);
    assert_int_equal(bn->axis, 1);
    double s0 = 1.0 / sqrt(4.0 + (double)1e-3f), s1 = 2.0 / sqrt(0.25 + (double)1e-3f);
    near(bn->w[0], s0);
    near(bn->w[1], s1);
    near(bn->b[0], 0.5 - 0.1 * s0);
    near(bn->b[1], -0.5 - (double)0.2f * s1);
    assert_int_equal(node_named(g, "gmp")->op, FF_OP_GMAXPOOL);
    DIMS(&g->t[g->output], 1, 2);
    ff_graph_free(g);
}

static void test_unordered_nodes_opset11_chw_constant(void **st)
{
    ff_graph *g = load_ok(GEN("unordered_op11.onnx"));
    DIMS(&g->t[g->input], 1, 2, 3, 3);
    const ff_node *m = node_named(g, "mul_chw");
    assert_int_equal(m->op, FF_OP_SCALE);
    assert_int_equal(m->axis, 1);
    assert_int_equal(m->n_out_f, 2);
    near(m->w[0], 2);
    near(m->w[1], 3);
    assert_int_equal(node_named(g, "drop")->op, FF_OP_IDENTITY);
    const ff_node *cl = node_named(g, "clip_nobounds");
    assert_true(isinf(cl->alpha) && cl->alpha < 0);
    assert_true(isinf(cl->beta) && cl->beta > 0);
    DIMS(&g->t[g->output], 1, 2);
    /* nodes come out in topological order */
    assert_string_equal(g->n[0].name, "mul_chw");
    ff_graph_free(g);
}

/* ---------- bad input ---------- */

static void test_bad_models_name_what_and_where(void **st)
{
    load_fails(GEN("bad_missing_init.onnx"), "missing input 'W' of node 'fc'", "bad_missing_init.onnx");
    load_fails(GEN("bad_cycle.onnx"), "cycle or missing input", "of node 'n_");
    load_fails(GEN("bad_gemm_shape.onnx"), "node 'fc_bad' (Gemm", "shape mismatch");
    load_fails(GEN("bad_absurd_dims.onnx"), "initializer 'W' is too large", "1048576");
    load_fails(GEN("bad_absurd_input.onnx"), "model input 'x' is too large", NULL);
    load_fails(GEN("bad_absurd_reshape.onnx"), "node 'rs_big' (Reshape", "too large");
    load_fails(GEN("bad_count.onnx"), "initializer 'W' has 3 values", "need 8");
    load_fails(GEN("bad_symbolic.onnx"), "dimension 1 is symbolic ('features')", NULL);
    load_fails(GEN("bad_opset.onnx"), "opset 18", NULL);
    load_fails(GEN("bad_unsupported.onnx"), "unsupported op 'Erf' (node 'erf_node', domain 'ai.onnx', opset 13)", NULL);
    load_fails(GEN("bad_group.onnx"), "unsupported op 'Conv' (node 'grouped'", "group=2");
    load_fails(GEN("bad_ceil.onnx"), "unsupported op 'MaxPool' (node 'mp_ceil'", "ceil_mode");
    load_fails(GEN("bad_mul_act.onnx"), "unsupported op 'Mul' (node 'mul2'", NULL);
    load_fails(GEN("bad_two_inputs.onnx"), "2 inputs", NULL);
    load_fails(GEN("bad_softmax_axis.onnx"), "unsupported op 'Softmax' (node 'sm0'", "axis 1");
    load_fails(GEN("not_a_model.txt"), "not an ONNX model", "not_a_model.txt");
    load_fails(GEN("no_such_file.onnx"), "no_such_file.onnx", NULL);
}

static char *slurp(const char *path, size_t *len)
{
    char *d = NULL;
    ff_err e = {0};
    assert_int_equal(ff_read_file(path, 1 << 24, &d, len, &e), FF_OK);
    return d;
}

static void test_truncated_model_is_rejected_at_every_length(void **st)
{
    size_t len;
    char *d = slurp(SHARED("two_layer_keras.onnx"), &len);
    for (size_t n = 0; n < len; n += 7) {
        ff_graph *g = (ff_graph *)1;
        ff_err e = {0};
        int rc = ff_onnx_load_mem(d, n, "cut.onnx", &g, &e);
        assert_int_equal(rc, FF_EINPUT);
        assert_null(g);
        assert_non_null(strstr(e.msg, "cut.onnx"));
    }
    ff_graph *g = NULL;
    ff_err e = {0};
    assert_int_equal(ff_onnx_load_mem(d, len / 2, "half.onnx", &g, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_int_equal(ff_onnx_load_mem(d, len, "whole.onnx", &g, &e), FF_OK);
    ff_graph_free(g);
    free(d);
}

static void test_random_and_flipped_bytes_never_crash(void **st)
{
    uint32_t s = 12345;
    unsigned char buf[4096];
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 37 % 4096);
        for (size_t i = 0; i < n; i++) {
            s = s * 1103515245u + 12345u;
            buf[i] = (unsigned char)(s >> 16);
        }
        ff_graph *g = (ff_graph *)1;
        ff_err e = {0};
        int rc = ff_onnx_load_mem(buf, n, "random.bin", &g, &e);
        assert_int_equal(rc, FF_EINPUT);
        assert_null(g);
    }
    /* single-byte corruptions of a real model: any result but a crash */
    size_t len;
    char *d = slurp(SHARED("conv1d_small_keras.onnx"), &len);
    for (size_t i = 0; i < len; i += 3) {
        char saved = d[i];
        s = s * 1103515245u + 12345u;
        d[i] = (char)(s >> 16);
        ff_graph *g = NULL;
        ff_err e = {0};
        int rc = ff_onnx_load_mem(d, len, "flip.onnx", &g, &e);
        assert_true(rc == FF_OK || rc == FF_EINPUT);
        assert_true((rc == FF_OK) == (g != NULL));
        ff_graph_free(g);
        d[i] = saved;
    }
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_layer_keras_lowers_to_dense_scale_relu),
        cmocka_unit_test(test_three_layer_pytorch_batch_789444_becomes_1),
        cmocka_unit_test(test_three_layer_bn_keras_bn_on_transposed_dense_uses_axis0),
        cmocka_unit_test(test_two_layer_keras_ends_in_sigmoid),
        cmocka_unit_test(test_dense_big_keras_keeps_identities_for_the_pass),
        cmocka_unit_test(test_conv1d_keras_conv_is_channels_last_sandwich),
        cmocka_unit_test(test_conv2d_keras_weights_relaid_out),
        cmocka_unit_test(test_qonnx_models_rejected_naming_quant),
        cmocka_unit_test(test_gemm_alpha_beta_transB_raw_and_typed_weights),
        cmocka_unit_test(test_constants_sub_mul_clip_squeeze_opset13),
        cmocka_unit_test(test_depthwise_same_upper_pools_concat),
        cmocka_unit_test(test_conv1d_same_lower_dilation_and_batchnorm),
        cmocka_unit_test(test_unordered_nodes_opset11_chw_constant),
        cmocka_unit_test(test_bad_models_name_what_and_where),
        cmocka_unit_test(test_truncated_model_is_rejected_at_every_length),
        cmocka_unit_test(test_random_and_flipped_bytes_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
