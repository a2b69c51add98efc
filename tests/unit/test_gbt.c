/* Gradient-boosted trees: XGBoost trains, our JSON evaluator predicts the
 * same numbers, and bad model files are refused. */
#include "testutil.h"

#include "gbt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
    ff_gbt_params p = {60, 5, 0.2, 1.0, 3};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluator_matches_xgboost),
        cmocka_unit_test(test_bad_models_are_refused),
    };
    return cmocka_run_group_tests_name("gbt", tests, NULL, NULL);
}
