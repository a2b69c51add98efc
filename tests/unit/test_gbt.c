/* Gradient-boosted trees: XGBoost trains, our JSON evaluator predicts the
 * same numbers, the binary cache predicts them too and is never used once
 * the JSON changed, and bad model files are refused. */
#include "testutil.h"

#include "gbt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { N = 600, NF = 4 };
static float X[N * NF], Y[N];

static void make_data(void)
{
    uint64_t s = 7;
    for (int i = 0; i < N * NF; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        X[i] = (float)((s >> 33) % 1000) / 100.0f;
    }
    for (int i = 0; i < N; i++)
        Y[i] = 3 * X[i * NF] + X[i * NF + 1] * X[i * NF + 1] - (X[i * NF + 3] > 5 ? 4.0f : 0.0f);
}

static void test_evaluator_matches_xgboost(void **st)
{
    (void)st;
    make_data();
    ff_gbt_params p = {60, 5, 0.2, 1.0, 3, NULL};
    ff_err e = {0};
    if (ff_gbt_train(X, N, NF, Y, &p, "m.json", &e))
        fail_msg("%s", e.msg);
    static float ref[N];
    assert_int_equal(ff_gbt_xgb_predict("m.json", X, N, NF, ref, &e), 0);
    ff_gbt *m;
    if (ff_gbt_load("m.json", NF, &m, &e))
        fail_msg("%s", e.msg);
    double maxd = 0, err = 0;
    for (int i = 0; i < N; i++) {
        double v = ff_gbt_predict(m, X + i * NF);
        maxd = fmax(maxd, fabs(v - ref[i]));
        err += fabs(v - Y[i]);
    }
    assert_true(maxd < 1e-4);
    assert_true(err / N < 1.0); /* it learned something */
    ff_gbt_free(m);
}

/* Row weights reach XGBoost: the same features with two labels, the rows of
 * one label weighted 9 to 1 against the other's, predict near the weighted
 * mean (a weighted squared error's minimum), not the plain one. */
static void test_row_weights(void **st)
{
    (void)st;
    enum { M = 200 };
    static float x[M * NF], y[M], w[M];
    for (int i = 0; i < M; i++) {
        for (int f = 0; f < NF; f++)
            x[i * NF + f] = (float)(i % 2); /* two groups, each with both labels */
        y[i] = i % 4 < 2 ? 10.0f : 0.0f;
        w[i] = i % 4 < 2 ? 9.0f : 1.0f;
    }
    ff_err e = {0};
    ff_gbt *m;
    const float *ws[2] = {NULL, w};
    double want[2] = {5.0, 9.0};
    for (int k = 0; k < 2; k++) {
        ff_gbt_params p = {300, 2, 0.3, 1.0, 1, ws[k]};
        if (ff_gbt_train(x, M, NF, y, &p, "w.json", &e) || ff_gbt_load("w.json", NF, &m, &e))
            fail_msg("%s", e.msg);
        for (int i = 0; i < 2; i++) {
            double v = ff_gbt_predict(m, x + i * NF);
            if (fabs(v - want[k]) > 0.05)
                fail_msg("weights %s: group %d predicts %g, want %g", ws[k] ? "9:1" : "none", i, v, want[k]);
        }
        ff_gbt_free(m);
    }
}

static void test_bad_models_are_refused(void **st)
{
    (void)st;
    ff_gbt *m;
    ff_err e = {0};
    assert_int_equal(ff_gbt_load("m.json", NF + 1, &m, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "expects 4 features"));
    assert_int_equal(ff_gbt_parse("{\"version\":[2,0,0]}", "v2.json", NF, &m, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "version 2"));
    assert_int_equal(ff_gbt_parse("{", "t.json", NF, &m, &e), FF_EINPUT);
    assert_int_equal(ff_gbt_parse("{\"version\":[1,7,4],\"learner\":{}}", "x.json", NF, &m, &e), FF_EINPUT);
    assert_int_equal(ff_gbt_load("missing.json", NF, &m, &e), FF_EINPUT);
}

static char *slurp(const char *path, size_t *len)
{
    char *d;
    ff_err e = {0};
    if (ff_read_file(path, 1 << 26, &d, len, &e))
        fail_msg("%s", e.msg);
    return d;
}

static void spit(const char *path, const char *d, size_t len)
{
    FILE *f = fopen(path, "w"); /* in place: same inode */
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, len, f), len);
    fclose(f);
}

/* the largest |difference| between m's predictions and those of the JSON at path */
static double diff_to_json(const ff_gbt *m, const char *path)
{
    size_t len;
    char *d = slurp(path, &len);
    ff_gbt *j;
    ff_err e = {0};
    if (ff_gbt_parse(d, path, NF, &j, &e))
        fail_msg("%s", e.msg);
    free(d);
    double maxd = 0;
    for (int i = 0; i < N; i++)
        maxd = fmax(maxd, fabs(ff_gbt_predict(m, X + i * NF) - ff_gbt_predict(j, X + i * NF)));
    ff_gbt_free(j);
    return maxd;
}

static void test_binary_cache_only_while_current(void **st)
{
    (void)st;
    make_data();
    ff_gbt_params p = {40, 4, 0.3, 1.0, 5, NULL};
    ff_err e = {0};
    if (ff_gbt_train(X, N, NF, Y, &p, "c.json", &e))
        fail_msg("%s", e.msg);
    assert_int_equal(ff_gbt_cache_state("c.json", NF), 0);
    assert_int_equal(ff_gbt_write_cache("c.json", NF, &e), FF_OK);
    assert_int_equal(access("c.bin", R_OK), 0);
    assert_int_equal(ff_gbt_cache_state("c.json", NF), 1);
    ff_gbt *m;
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    assert_true(diff_to_json(m, "c.json") == 0); /* the same trees, bit for bit */
    ff_gbt_free(m);

    /* the same bytes written again (a copy, a checkout): new times, the
     * sha256 still matches, so the cache holds */
    size_t len;
    char *d = slurp("c.json", &len);
    spit("c.json", d, len);
    assert_int_equal(ff_gbt_cache_state("c.json", NF), 0);
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    assert_true(diff_to_json(m, "c.json") == 0);
    ff_gbt_free(m);

    /* changed in place, same size, right after the cache was written: the
     * JSON wins (base score 0.5 -> 0.6 moves every prediction by 0.1) */
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    double before = ff_gbt_predict(m, X);
    ff_gbt_free(m);
    assert_int_equal(ff_gbt_write_cache("c.json", NF, &e), FF_OK);
    char *b = strstr(d, "\"base_score\":\"5E-1\"");
    assert_non_null(b);
    b[14] = '6';
    spit("c.json", d, len);
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    assert_true(diff_to_json(m, "c.json") == 0);
    assert_true(fabs(ff_gbt_predict(m, X) - before - 0.1) < 1e-9);
    ff_gbt_free(m);
    b[14] = '5';
    spit("c.json", d, len);
    free(d);
}

static void test_damaged_cache_falls_back_to_json(void **st)
{
    (void)st;
    ff_err e = {0};
    assert_int_equal(ff_gbt_write_cache("c.json", NF, &e), FF_OK);
    size_t len;
    char *d = slurp("c.bin", &len);
    /* truncated: */
    spit("c.bin", d, len / 2);
    ff_gbt *m;
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    assert_true(diff_to_json(m, "c.json") == 0);
    ff_gbt_free(m);
    /* a child pointing backwards (a cycle) in the last tree: refused, not walked */
    memcpy(d + len - 16 + 4, "\0\0\0\0", 4);
    spit("c.bin", d, len);
    assert_int_equal(ff_gbt_load("c.json", NF, &m, &e), FF_OK);
    assert_true(diff_to_json(m, "c.json") == 0);
    ff_gbt_free(m);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluator_matches_xgboost),
        cmocka_unit_test(test_binary_cache_only_while_current),
        cmocka_unit_test(test_damaged_cache_falls_back_to_json),
        cmocka_unit_test(test_bad_models_are_refused),
        cmocka_unit_test(test_row_weights),
    };
    return cmocka_run_group_tests_name("gbt", tests, NULL, NULL);
}
