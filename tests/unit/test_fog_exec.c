/* Built-in executor: deterministic, input-dependent, reentrant, rejects
 * unknown bundles/backends and wrong sizes. */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "fog_exec.h"

static void test_mlp_is_deterministic_and_depends_on_input(void **s)
{
    (void)s;
    int32_t in[16], a[5], b[5], c[5];
    for (int i = 0; i < 16; i++) in[i] = i * 9 - 70;
    ff_exec_mlp_forward(in, a);
    ff_exec_mlp_forward(in, b);
    assert_memory_equal(a, b, sizeof a);
    in[3] += 100;
    ff_exec_mlp_forward(in, c);
    assert_memory_not_equal(a, c, sizeof a);
}

static void test_open_rejects_unknown_bundle_and_backend(void **s)
{
    (void)s;
    ff_exec e;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_exec_open(&e, NULL, ".", "resnet", "cpu", err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "unknown bundle"));
    assert_int_equal(ff_exec_open(&e, NULL, ".", FF_EXEC_MLP_BUNDLE, "xrt", err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "backend"));
}

static void test_infer_checks_sizes_and_reports_compute_time(void **s)
{
    (void)s;
    ff_exec e;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_exec_open(&e, NULL, ".", FF_EXEC_MLP_BUNDLE, "auto", err), 0);
    assert_true(e.ops->predicted_latency_us(e.ctx) >= 1);
    int32_t in[16] = {1, 2, 3}, out[5], ref[5];
    uint64_t ns = 0;
    assert_int_equal(ff_exec_infer(&e, in, 15, out, 5, &ns, err), FF_FOG_EINPUT);
    assert_int_equal(ff_exec_infer(&e, in, 16, out, 4, &ns, err), FF_FOG_EINPUT);
    assert_int_equal(ff_exec_infer(&e, in, 16, out, 5, &ns, err), 0);
    assert_true(ns > 0);
    ff_exec_mlp_forward(in, ref);
    assert_memory_equal(out, ref, sizeof ref);
    ff_exec_close(&e);
}

static ff_exec shared;
static void *worker(void *arg)
{
    int32_t in[16], out[5], ref[5];
    intptr_t k = (intptr_t)arg;
    for (int r = 0; r < 2000; r++) {
        for (int i = 0; i < 16; i++) in[i] = (int32_t)((r + i * k) % 200 - 100);
        if (ff_exec_infer(&shared, in, 16, out, 5, NULL, NULL)) return (void *)1;
        ff_exec_mlp_forward(in, ref);
        if (memcmp(out, ref, sizeof ref)) return (void *)1;
    }
    return NULL;
}

static void test_infer_is_reentrant_across_threads(void **s)
{
    (void)s;
    assert_int_equal(ff_exec_open(&shared, NULL, ".", FF_EXEC_MLP_BUNDLE, "cpu", NULL), 0);
    pthread_t th[4];
    for (intptr_t i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    ff_exec_close(&shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_is_deterministic_and_depends_on_input),
        cmocka_unit_test(test_open_rejects_unknown_bundle_and_backend),
        cmocka_unit_test(test_infer_checks_sizes_and_reports_compute_time),
        cmocka_unit_test(test_infer_is_reentrant_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
