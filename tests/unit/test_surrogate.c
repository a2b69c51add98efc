/* Surrogate estimators: features (CSD digits, timing from the RTL plan),
 * the dataset line parser, the analytical model's DSP count, the metrics,
 * and refusal of broken learned-model directories. */
#include "testutil.h"

#include "analytic.h"
#include "dsgen.h"
#include "dsrec.h"
#include "emit_rtl.h"
#include "estimate.h"
#include "metrics.h"
#include "rtl_dot.h"
#include "surrogate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void test_csd_digits_are_canonical(void **st)
{
    (void)st;
    assert_int_equal(ff_csd_digits(0), 0);
    assert_int_equal(ff_csd_digits(1), 1);
    assert_int_equal(ff_csd_digits(-1), 1);
    assert_int_equal(ff_csd_digits(3), 2);   /* 4 - 1 */
    assert_int_equal(ff_csd_digits(7), 2);   /* 8 - 1 */
    assert_int_equal(ff_csd_digits(15), 2);  /* 16 - 1 */
    assert_int_equal(ff_csd_digits(5), 2);   /* 4 + 1 */
    assert_int_equal(ff_csd_digits(-5), 2);
    assert_int_equal(ff_csd_digits(0x55), 4);
    assert_int_equal(ff_csd_digits(64), 1);
    assert_int_equal(ff_csd_digits(-32768), 1);
}

/* every layer's feature timing is the plan's, for dataset designs of both kinds */
static void test_feature_timing_is_the_plans(void **st)
{
    (void)st;
    for (int k = 0; k < 12; k++) {
        ff_qmodel *q;
        char desc[512];
        ff_err e = {0};
        if (ff_dsgen_design(&(ff_dsgen_opts){3, 64, 0}, k, k % 3 == 0, &q, desc, sizeof desc, &e))
            fail_msg("%s", e.msg);
        ff_rtl_plan p;
        if (ff_rtl_plan_build(q, NULL, &p, &e))
            fail_msg("%s", e.msg);
        ff_layer_feat *f;
        if (ff_model_features(q, &f, &e))
            fail_msg("%s: %s", desc, e.msg);
        int lat = 0, ii = 1;
        for (int i = 0; i < q->g->nn; i++) {
            lat += f[i].latency;
            ii = f[i].ii > ii ? f[i].ii : ii;
        }
        assert_int_equal(lat, p.latency);
        assert_int_equal(ii, p.ii);
        /* re-deriving at another reuse factor agrees with a fresh plan's formula */
        for (int i = 0; i < q->g->nn; i++) {
            ff_layer_feat g = f[i];
            ff_layer_feat_set_reuse(&g, f[i].reuse);
            assert_int_equal(g.latency, f[i].latency);
            assert_int_equal(g.mults, f[i].mults);
        }
        free(f);
        ff_rtl_plan_free(&p);
        ff_qmodel_free(q);
    }
}

static const char good[] =
    "{\"id\":\"L000002\",\"seed\":99,\"index\":2,\"kind\":\"layer\",\"layers\":[{\"name\":\"dense_0\",\"op\":\"Dense\","
    "\"act\":\"none\",\"n_in\":18,\"n_out\":11,\"pixels\":1,\"in_size\":18,\"out_size\":11,\"kernel\":1,"
    "\"channels_in\":18,\"channels_out\":11,\"wbits\":5,\"in_bits\":7,\"out_bits\":7,\"acc_bits\":32,\"lut_bits\":10,"
    "\"reuse\":198,\"in_signed\":1,\"weights\":198,\"nonzero\":198,\"pow2\":162,\"csd_digits\":234,\"mults\":1,"
    "\"csd_per_nz\":1.18,\"max_terms\":18,\"sum_bits\":15,\"tree_levels\":0,\"latency\":201,\"ii\":198}],"
    "\"targets\":{\"lut\":549,\"ff\":388,\"dsp\":12,\"bram18\":0,\"carry\":46,\"latency\":201,\"ii\":198,"
    "\"critical_path_ns\":4.182},\"synth_seconds\":9.8,\"ok\":true}\n";

static void test_dataset_line_parser(void **st)
{
    (void)st;
    ff_dsrec r;
    ff_err e = {0};
    assert_int_equal(ff_dsrec_parse(good, strlen(good), &r, &e), FF_OK);
    assert_string_equal(r.id, "L000002");
    assert_int_equal(r.nl, 1);
    assert_int_equal(r.l[0].reuse, 198);
    assert_int_equal(r.timing_missing, 0);
    assert_true(r.t[FF_T_DSP] == 12 && r.t[FF_T_LATENCY] == 201);
    assert_int_equal(ff_dsrec_depth(&r), 1);
    ff_dsrec_free(&r);
    /* truncated, wrong types, missing target, unknown op: refused with a reason */
    assert_int_equal(ff_dsrec_parse(good, 200, &r, &e), FF_EINPUT);
    char *bad = strdup(good);
    memcpy(strstr(bad, "\"dsp\""), "\"dsq\"", 5);
    assert_int_equal(ff_dsrec_parse(bad, strlen(bad), &r, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "dsp"));
    free(bad);
    bad = strdup(good);
    memcpy(strstr(bad, "Dense"), "Dunse", 5);
    assert_int_equal(ff_dsrec_parse(bad, strlen(bad), &r, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "Dunse"));
    free(bad);
    assert_int_equal(ff_dsrec_parse("[1,2]", 5, &r, &e), FF_EINPUT);
    /* a failure record is accepted (and carries no targets) */
    const char *f = "{\"id\":\"L1\",\"kind\":\"layer\",\"ok\":false,\"error\":\"timeout\"}";
    assert_int_equal(ff_dsrec_parse(f, strlen(f), &r, &e), FF_OK);
    assert_int_equal(r.ok, 0);
    ff_dsrec_free(&r);
}

/* the record above: 1 shared multiplier + 11 requantization multipliers */
static void test_analytic_dsp_counts_multipliers(void **st)
{
    (void)st;
    ff_dsrec r;
    ff_err e = {0};
    assert_int_equal(ff_dsrec_parse(good, strlen(good), &r, &e), FF_OK);
    double a[FF_T__COUNT];
    ff_analytic_layer(&r.l[0], a);
    assert_true(a[FF_T_DSP] == 12);
    assert_true(a[FF_T_BRAM] == 0);
    assert_true(a[FF_T_LATENCY] == 201 && a[FF_T_II] == 198);
    assert_true(a[FF_T_LUT] > 0 && a[FF_T_FF] > 0);
    /* fully parallel: one DSP per nonzero non-power-of-two weight, none for powers of two */
    ff_layer_feat f = r.l[0];
    f.max_terms = 18;
    ff_layer_feat_set_reuse(&f, 1);
    ff_analytic_layer(&f, a);
    assert_true(a[FF_T_DSP] == (198 - 162) + 11);
    assert_int_equal(f.latency, 2 + ff_rtl_tree_stages(ff_rtl_clog2(19)));
    ff_dsrec_free(&r);
}

static void test_metrics_known_values(void **st)
{
    (void)st;
    double p[4] = {110, 90, 0, 50}, a[4] = {100, 100, 0, 100};
    ff_metrics m;
    ff_metrics_compute(p, a, 4, &m);
    double sm = (2 * 10 / 210.0 + 2 * 10 / 190.0 + 0 + 2 * 50 / 150.0) / 4;
    assert_true(fabs(m.smape - sm) < 1e-12);
    assert_true(fabs(m.mape - (0.1 + 0.1 + 0.5) / 3) < 1e-12);
    assert_true(fabs(m.within10 - 0.75) < 1e-12);
    assert_true(fabs(m.exact - 0.25) < 1e-12);
    assert_true(fabs(m.med_ape - 0.1) < 1e-12);
    assert_true(fabs(m.p90_ape - 0.5) < 1e-12);
    double mean = 75, sst = 625 * 3 + 75 * 75, ssr = 100 + 100 + 0 + 2500;
    (void)mean;
    assert_true(fabs(m.r2 - (1 - ssr / sst)) < 1e-12);
}

static void write(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

static void test_broken_model_dirs_are_refused(void **st)
{
    (void)st;
    ff_surrogate *s;
    ff_err e = {0};
    mkdir("mdir", 0755);
    assert_int_equal(ff_surrogate_open("mdir", &s, &e), FF_EINPUT); /* no index.json */
    write("mdir/index.json", "{\"format\":\"fogforge-surrogate\",\"version\":7}");
    assert_int_equal(ff_surrogate_open("mdir", &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "version 7"));
    /* the right features but no targets */
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "{\"format\":\"fogforge-surrogate\",\"version\":1,\"features\":[");
    for (int i = 0; i < ff_surrogate_nfeat(); i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s\"%s\"", i ? "," : "", ff_surrogate_feat_name(i));
    snprintf(buf + n, sizeof buf - (size_t)n, "],\"targets\":{}}");
    write("mdir/index.json", buf);
    assert_int_equal(ff_surrogate_open("mdir", &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "target 'lut' is missing"));
    /* a feature list from another fogforge */
    write("mdir/index.json", "{\"format\":\"fogforge-surrogate\",\"version\":1,\"features\":[\"op\"],\"targets\":{}}");
    assert_int_equal(ff_surrogate_open("mdir", &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "features"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csd_digits_are_canonical),
        cmocka_unit_test(test_feature_timing_is_the_plans),
        cmocka_unit_test(test_dataset_line_parser),
        cmocka_unit_test(test_analytic_dsp_counts_multipliers),
        cmocka_unit_test(test_metrics_known_values),
        cmocka_unit_test(test_broken_model_dirs_are_refused),
    };
    return cmocka_run_group_tests_name("surrogate", tests, NULL, NULL);
}
