/* Unit tests of the host runtime: bundles (create, verify, tampering), the
 * public API on the cpu backend (sync, async queue, float and raw variants,
 * errors), device discovery and the unavailable paths of xrt and verilator.
 * OpenCL runs in the integration tests (tests/it/host_runtime.sh). */
#include "testutil.h"

#include "bundle.h"
#include "exec.h"
#include "fogforge/fogforge.h"
#include "fog_exec_bundle.h"
#include "model.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ff_qmodel *jet(void)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/tests/models/three_layer_keras.onnx", ff_test_root());
    ff_err e = {0};
    ff_qmodel *q = NULL;
    ff_quant_opts o = {.wbits = 8, .abits = 8};
    assert_int_equal(ff_model_load_quant(p, &o, &q, &e), 0);
    return q;
}

static void make_bundle(const char *out, int opencl)
{
    ff_qmodel *q = jet();
    ff_bundle_spec sp = {.model_path = "three_layer_keras.onnx", .name = "jet", .with_opencl = opencl};
    ff_err e = {0};
    if (access(out, F_OK) != 0)
        assert_int_equal(ff_bundle_create(q, &sp, out, &e), 0);
    ff_qmodel_free(q);
}

static void random_inputs(const ff_bundle *b, int32_t *x, int64_t n)
{
    ff_io_info ii;
    ff_bundle_input(b, &ii);
    uint32_t s = 12345;
    for (int64_t k = 0; k < n * ii.size; k++) {
        s = s * 1103515245u + 12345u;
        x[k] = ii.qmin + (int32_t)((s >> 8) % (uint32_t)(ii.qmax - ii.qmin + 1));
    }
}

static void test_bundle_round_trip_dir_and_tar(void **st)
{
    (void)st;
    make_bundle("rt_dir", 1);
    make_bundle("rt.tar", 1);
    const char *paths[] = {"rt_dir", "rt.tar"};
    for (int i = 0; i < 2; i++) {
        ff_bundle *b;
        ff_err e = {0};
        assert_int_equal(ff_bundle_open(paths[i], &b, &e), 0);
        assert_string_equal(ff_bundle_name(b), "jet");
        ff_io_info ii, oi;
        ff_bundle_input(b, &ii);
        ff_bundle_output(b, &oi);
        assert_int_equal(ii.size, 16);
        assert_int_equal(oi.size, 5);
        assert_int_equal(ii.zero_point, 0);
        assert_true(ii.scale > 0);
        assert_non_null(ff_bundle_artifact(b, "ffq"));
        assert_non_null(ff_bundle_artifact(b, "opencl"));
        assert_null(ff_bundle_artifact(b, "verilator"));
        assert_true(ff_bundle_predicted_latency_us(b, "cpu") > 0);
        assert_true(ff_bundle_predicted_latency_us(b, NULL) > 0);
        ff_bundle_close(b);
    }
}

static void test_cpu_session_matches_reference(void **st)
{
    (void)st;
    make_bundle("ref.tar", 0);
    ff_bundle *b;
    ff_session *s;
    ff_err e = {0};
    assert_int_equal(ff_bundle_open("ref.tar", &b, &e), 0);
    ff_session_opts o = {.threads = 2};
    assert_int_equal(ff_session_open(b, "cpu", &o, &s, &e), 0);
    assert_string_equal(ff_session_backend(s), "cpu");
    enum { N = 200 };
    int32_t x[N * 16], y[N * 5], want[N * 5];
    random_inputs(b, x, N);
    ff_qplan *p = ff_qplan_new(b->q);
    for (int k = 0; k < N; k++)
        ff_qplan_run(p, x + k * 16, want + k * 5);
    ff_qplan_free(p);
    for (int n = 1; n <= N; n = n * 3 + 1) { /* single samples and batches through the pool */
        memset(y, 0x5a, sizeof y);
        assert_int_equal(ff_session_infer_raw(s, x, y, n, &e), 0);
        assert_memory_equal(y, want, (size_t)n * 5 * sizeof(int32_t));
    }
    /* float variant = quantize, raw, dequantize */
    float fx[4 * 16], fy[4 * 5], fy2[4 * 5];
    for (int i = 0; i < 4 * 16; i++)
        fx[i] = (float)(i % 7) * 0.3f - 1.0f;
    int32_t qx[4 * 16], qy[4 * 5];
    ff_bundle_quantize(b, fx, qx, 4);
    assert_int_equal(ff_session_infer_raw(s, qx, qy, 4, &e), 0);
    ff_bundle_dequantize(b, qy, fy2, 4);
    assert_int_equal(ff_session_infer(s, fx, fy, 4, &e), 0);
    assert_memory_equal(fy, fy2, sizeof fy);
    ff_session_stats sts;
    ff_session_get_stats(s, &sts);
    assert_int_equal(sts.calls, 7); /* n = 1, 4, 13, 40, 121, then 4 and 4 */
    assert_int_equal(sts.samples, 1 + 4 + 13 + 40 + 121 + 4 + 4);
    ff_session_close(s);
    ff_bundle_close(b);
}

static void test_async_queue_is_bounded_and_ordered(void **st)
{
    (void)st;
    make_bundle("async.tar", 0);
    ff_bundle *b;
    ff_session *s;
    ff_err e = {0};
    assert_int_equal(ff_bundle_open("async.tar", &b, &e), 0);
    ff_session_opts o = {.threads = 1, .queue_depth = 4};
    assert_int_equal(ff_session_open(b, "cpu", &o, &s, &e), 0);
    int32_t x[8 * 16], y[8][5], want[8][5];
    random_inputs(b, x, 8);
    for (int k = 0; k < 8; k++)
        assert_int_equal(ff_session_infer_raw(s, x + k * 16, want[k], 1, &e), 0);
    ff_ticket t[8];
    for (int k = 0; k < 4; k++)
        assert_int_equal(ff_session_submit_raw(s, x + k * 16, y[k], 1, &t[k], &e), 0);
    /* four tickets outstanding and unpolled: the fifth is refused */
    assert_int_equal(ff_session_submit_raw(s, x + 4 * 16, y[4], 1, &t[4], &e), FF_EFULL);
    assert_int_equal(e.code, FF_EFULL);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(ff_session_poll(s, t[k], -1, &e), 0);
        assert_memory_equal(y[k], want[k], sizeof want[k]);
    }
    /* a polled ticket is forgotten; an unknown one is an error */
    assert_int_equal(ff_session_poll(s, t[0], 0, &e), FF_EINPUT);
    assert_int_equal(ff_session_poll(s, 999, 0, &e), FF_EINPUT);
    for (int k = 4; k < 8; k++)
        assert_int_equal(ff_session_submit_raw(s, x + k * 16, y[k], 1, &t[k], &e), 0);
    for (int k = 4; k < 8; k++) {
        int rc;
        while ((rc = ff_session_poll(s, t[k], 10, &e)) == FF_EPENDING)
            ;
        assert_int_equal(rc, 0);
        assert_memory_equal(y[k], want[k], sizeof want[k]);
    }
    /* close with work still queued: it is finished first */
    float fx[16] = {0}, fy[5];
    assert_int_equal(ff_session_submit(s, fx, fy, 1, &t[0], &e), 0);
    ff_session_close(s);
    ff_bundle_close(b);
}

static void test_unknown_and_unavailable_backends(void **st)
{
    (void)st;
    make_bundle("nodev.tar", 0);
    ff_bundle *b;
    ff_session *s = NULL;
    ff_err e = {0};
    assert_int_equal(ff_bundle_open("nodev.tar", &b, &e), 0);
    assert_int_equal(ff_session_open(b, "tpu", NULL, &s, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "unknown backend 'tpu'"));
    unsetenv("XILINX_XRT");
    assert_int_equal(ff_session_open(b, "xrt", NULL, &s, &e), FF_EUNAVAILABLE);
    assert_non_null(strstr(e.msg, "XILINX_XRT is not set"));
    setenv("XILINX_XRT", "/usr", 1); /* what makes XRT itself abort: no plugins in /usr/lib */
    assert_int_equal(ff_session_open(b, "xrt", NULL, &s, &e), FF_EUNAVAILABLE);
    assert_non_null(strstr(e.msg, "libxrt_core"));
    unsetenv("XILINX_XRT");
    assert_int_equal(ff_session_open(b, "verilator", NULL, &s, &e), FF_EUNAVAILABLE);
    assert_non_null(strstr(e.msg, "bundle has no Verilator library"));
    assert_int_equal(ff_session_open(b, "opencl", NULL, &s, &e), FF_EUNAVAILABLE);
    assert_non_null(strstr(e.msg, "no OpenCL kernels"));
    assert_null(s);
    /* auto falls through to something that can run the bundle */
    assert_int_equal(ff_session_open(b, "auto", NULL, &s, &e), 0);
    assert_string_equal(ff_session_backend(s), "cpu");
    ff_session_close(s);
    ff_bundle_close(b);
    ff_device_info d[8];
    int n = ff_devices(d, 8);
    assert_int_equal(n, 4);
    int saw_cpu = 0;
    for (int i = 0; i < n; i++) {
        assert_true(d[i].detail[0] != 0);
        if (!strcmp(d[i].backend, "cpu"))
            saw_cpu = d[i].available;
        if (!strcmp(d[i].backend, "xrt"))
            assert_false(d[i].available);
    }
    assert_true(saw_cpu);
    assert_string_equal(ff_strerror(FF_EUNAVAILABLE), "unavailable");
}

/* Copies a directory bundle (flat + opencl/) to dst. */
static void copy_bundle(const char *src, const char *dst)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", dst, src, dst);
    assert_int_equal(system(cmd), 0);
}

static void expect_refused(const char *path, const char *what)
{
    ff_bundle *b = NULL;
    ff_err e = {0};
    int rc = ff_bundle_open(path, &b, &e);
    if (rc != FF_EINPUT || !strstr(e.msg, what))
        fail_msg("%s: wanted refusal mentioning '%s', got rc %d: %s", path, what, rc, e.msg);
    assert_null(b);
}

static void test_tampered_bundles_are_refused(void **st)
{
    (void)st;
    make_bundle("orig", 1);
    /* flipped byte in an artifact */
    copy_bundle("orig", "t_flip");
    FILE *f = fopen("t_flip/opencl/model.cl", "r+b");
    assert_non_null(f);
    fseek(f, 100, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(ch ^ 1, f);
    fclose(f);
    expect_refused("t_flip", "checksum mismatch for 'opencl/model.cl'");
    /* edited manifest (a scale changed, still valid JSON) */
    copy_bundle("orig", "t_edit");
    assert_int_equal(system("sed -i 's/\"version\":\\([[:space:]]*\\)\"1\"/\"version\":\\1\"2\"/' t_edit/manifest.json"), 0);
    expect_refused("t_edit", "manifest.json was modified");
    /* missing file */
    copy_bundle("orig", "t_missing");
    unlink("t_missing/model.ffq");
    expect_refused("t_missing", "missing file 'model.ffq'");
    /* unlisted extra file */
    copy_bundle("orig", "t_extra");
    f = fopen("t_extra/evil.so", "w");
    fputs("x", f);
    fclose(f);
    expect_refused("t_extra", "not listed in the manifest");
    /* truncated tar */
    make_bundle("full.tar", 1);
    struct stat sb;
    assert_int_equal(stat("full.tar", &sb), 0);
    assert_int_equal(system("head -c 3000 full.tar > trunc.tar"), 0);
    expect_refused("trunc.tar", "truncated or corrupt");
    /* not a bundle at all */
    expect_refused("no_such_bundle", "cannot open bundle");
}

static void test_newer_manifest_version_gets_clear_message(void **st)
{
    (void)st;
    make_bundle("vorig", 0);
    copy_bundle("vorig", "v2");
    /* rewrite the manifest as a future fogforge would, digest included */
    ff_bundle *b;
    ff_err e = {0};
    assert_int_equal(ff_bundle_load("vorig", 0, &b, &e), 0);
    cJSON *m = cJSON_Duplicate(b->manifest, 1);
    ff_bundle_close(b);
    cJSON_ReplaceItemInObject(m, "manifest_version", cJSON_CreateNumber(7));
    cJSON_ReplaceItemInObject(m, "fogforge_version", cJSON_CreateString("9.0.0"));
    char dg[65];
    ff_bundle_digest(m, dg);
    cJSON_ReplaceItemInObject(m, "digest", cJSON_CreateString(dg));
    char *txt = cJSON_Print(m);
    assert_int_equal(ff_write_file_atomic("v2/manifest.json", txt, strlen(txt), &e), 0);
    free(txt);
    cJSON_Delete(m);
    expect_refused("v2", "manifest version 7 (made by fogforge 9.0.0) is not compatible");
}

static void test_add_xclbin_updates_manifest(void **st)
{
    (void)st;
    make_bundle("addx", 0);
    make_bundle("addx.tar", 0);
    FILE *f = fopen("k.xclbin", "wb");
    fwrite("xclbin2\0\1\2\3", 1, 11, f);
    fclose(f);
    const char *paths[] = {"addx", "addx.tar"};
    for (int i = 0; i < 2; i++) {
        ff_err e = {0};
        assert_int_equal(ff_bundle_add_file(paths[i], "xclbin", "k.xclbin", "xclbin/k.xclbin", NULL, &e), 0);
        ff_bundle *b;
        assert_int_equal(ff_bundle_open(paths[i], &b, &e), 0);
        const ff_bundle_file *x = ff_bundle_artifact(b, "xclbin");
        assert_non_null(x);
        assert_int_equal(x->len, 11);
        char p[4096];
        assert_int_equal(ff_bundle_artifact_path(b, "xclbin", p, sizeof p, &e), 0);
        assert_int_equal(access(p, R_OK), 0);
        ff_bundle_close(b);
    }
    /* adding to a tampered bundle is refused */
    copy_bundle("addx", "addx_bad");
    unlink("addx_bad/model.ffq");
    ff_err e = {0};
    assert_int_equal(ff_bundle_add_file("addx_bad", "xclbin", "k.xclbin", "xclbin/k.xclbin", NULL, &e), FF_EINPUT);
    assert_non_null(strstr(e.msg, "refusing to add"));
}

/* The verilator backend through a stand-in library with the ffsim API. */
static void test_verilator_backend_drives_ffsim_library(void **st)
{
    (void)st;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cc -shared -fPIC -O1 -o libfake.so '%s/tests/unit/fake_ffsim.c' && "
             "cc -shared -fPIC -O1 -DN_IN=3 -o libwrong.so '%s/tests/unit/fake_ffsim.c'",
             ff_test_root(), ff_test_root());
    assert_int_equal(system(cmd), 0);
    make_bundle("vl.tar", 0);
    make_bundle("vl_wrong", 0);
    ff_err e = {0};
    assert_int_equal(ff_bundle_add_file("vl.tar", "verilator", "libfake.so", "verilator/libffsim.so", NULL, &e), 0);
    assert_int_equal(ff_bundle_add_file("vl_wrong", "verilator", "libwrong.so", "verilator/libffsim.so", NULL, &e), 0);
    ff_bundle *b;
    ff_session *s;
    assert_int_equal(ff_bundle_open("vl.tar", &b, &e), 0);
    assert_int_equal(ff_session_open(b, "verilator", NULL, &s, &e), 0);
    assert_non_null(strstr(ff_session_device(s), "latency 7 cycles"));
    enum { N = 150 };
    int32_t x[N * 16], y[N * 5];
    random_inputs(b, x, N);
    assert_int_equal(ff_session_infer_raw(s, x, y, N, &e), 0);
    for (int k = 0; k < N; k++) {
        int32_t sum = 0;
        for (int i = 0; i < 16; i++)
            sum += x[k * 16 + i];
        for (int j = 0; j < 5; j++)
            assert_int_equal(y[k * 5 + j], sum + j);
    }
    ff_session_stats sts;
    ff_session_get_stats(s, &sts);
    assert_int_equal(sts.cycles, 7 * N);
    ff_session_close(s);
    ff_bundle_close(b);
    /* a library built for another model is refused with the reason */
    assert_int_equal(ff_bundle_open("vl_wrong", &b, &e), 0);
    assert_int_equal(ff_session_open(b, "verilator", NULL, &s, &e), FF_EUNAVAILABLE);
    assert_non_null(strstr(e.msg, "does not fit the bundle"));
    ff_bundle_close(b);
}

/* The fog layer's executor seam served by real bundles. */
static void test_fog_exec_seam_serves_bundles(void **st)
{
    (void)st;
    assert_int_equal(system("mkdir -p reg"), 0);
    make_bundle("reg/jet.tar", 0);
    ff_exec x;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_exec_open(&x, &ff_exec_bundle_ops, "reg", "jet", "cpu", err), FF_FOG_OK);
    assert_int_equal(x.ops->n_in(x.ctx), 16);
    assert_int_equal(x.ops->n_out(x.ctx), 5);
    assert_true(x.ops->predicted_latency_us(x.ctx) >= 1);
    ff_bundle *b;
    ff_err e;
    assert_int_equal(ff_bundle_open("reg/jet.tar", &b, &e), 0);
    int32_t in[16], out[5], want[5];
    random_inputs(b, in, 1);
    ff_qplan *p = ff_qplan_new(b->q);
    ff_qplan_run(p, in, want);
    ff_qplan_free(p);
    ff_bundle_close(b);
    uint64_t ns = 0;
    assert_int_equal(ff_exec_infer(&x, in, 16, out, 5, &ns, err), FF_FOG_OK);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(ff_exec_infer(&x, in, 15, out, 5, &ns, err), FF_FOG_EINPUT);
    ff_exec_close(&x);
    assert_int_equal(ff_exec_open(&x, &ff_exec_bundle_ops, "reg", "nope", "cpu", err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "no bundle 'nope'"));
    assert_int_equal(ff_exec_open(&x, &ff_exec_bundle_ops, "reg", "jet", "xrt", err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "unavailable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_round_trip_dir_and_tar),
        cmocka_unit_test(test_cpu_session_matches_reference),
        cmocka_unit_test(test_async_queue_is_bounded_and_ordered),
        cmocka_unit_test(test_unknown_and_unavailable_backends),
        cmocka_unit_test(test_tampered_bundles_are_refused),
        cmocka_unit_test(test_newer_manifest_version_gets_clear_message),
        cmocka_unit_test(test_add_xclbin_updates_manifest),
        cmocka_unit_test(test_verilator_backend_drives_ffsim_library),
        cmocka_unit_test(test_fog_exec_seam_serves_bundles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
