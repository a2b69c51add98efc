/* fogforge devices|infer|bench: the host runtime from the command line,
 * through the public API only (include/fogforge/fogforge.h). */
#include "cli.h"

#include "dataio.h"
#include "fogforge/fogforge.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prints the error; exit status 2 for bad input and for a backend that
 * cannot run here (the user's choice of backend), 1 for device failures. */
static int host_err(const ff_err *e)
{
    ff_cli_fail(FF_EINTERNAL, "%s", e->msg);
    return e->code == FF_EINPUT || e->code == FF_EUNAVAILABLE ? 2 : 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int ff_cmd_devices(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: fogforge devices [--json]\n\nLists every backend (cpu, opencl, verilator, xrt), whether "
                   "it can run here,\nand the device found or why not.\n");
            return 0;
        } else
            return ff_cli_usage("devices", "fogforge devices [--json]");
    }
    ff_device_info d[8];
    int n = ff_devices(d, 8);
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "backend", d[i].backend);
            cJSON_AddBoolToObject(o, "available", d[i].available);
            cJSON_AddStringToObject(o, "detail", d[i].detail);
            cJSON_AddItemToArray(arr, o);
        }
        char *s = cJSON_Print(arr);
        puts(s);
        free(s);
        cJSON_Delete(arr);
        return 0;
    }
    for (int i = 0; i < n; i++)
        printf("%-10s %-12s %s\n", d[i].backend, d[i].available ? "available" : "unavailable", d[i].detail);
    return 0;
}

static int open_both(const char *path, const char *backend, const ff_session_opts *o, ff_bundle **b, ff_session **s)
{
    ff_err e = {0};
    if (ff_bundle_open(path, b, &e))
        return host_err(&e);
    if (ff_session_open(*b, backend, o, s, &e)) {
        ff_bundle_close(*b);
        return host_err(&e);
    }
    return 0;
}

static const char infer_usage[] =
    "fogforge infer BUNDLE --backend NAME --input IN [-o OUT] [--raw] [--json] [--per-layer]";

int ff_cmd_infer(int argc, char **argv)
{
    static const struct option opts[] = {
        {"backend", required_argument, 0, 'b'}, {"input", required_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'},  {"raw", no_argument, 0, 'r'},
        {"json", no_argument, 0, 'j'},          {"per-layer", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},          {0}};
    const char *backend = "auto", *in = NULL, *outp = NULL;
    int raw = 0, json = 0, c;
    ff_session_opts so = {0};
    while ((c = getopt_long(argc, argv, "i:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': backend = optarg; break;
        case 'i': in = optarg; break;
        case 'o': outp = optarg; break;
        case 'r': raw = 1; break;
        case 'j': json = 1; break;
        case 'L': so.opencl_per_layer = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Runs a bundle on a backend (cpu, opencl, verilator, xrt, auto) over every sample\n"
                   "of IN (text or .npy, float, as for fogforge run) and writes one output line per\n"
                   "sample: dequantized floats, or with --raw the raw integers (bit-identical to\n"
                   "fogforge run --raw). --json prints one JSON object (backend, device, timing and\n"
                   "the outputs unless -o is given). --per-layer: opencl one kernel per layer.\n",
                   infer_usage);
            return 0;
        default: return ff_cli_usage("infer", infer_usage);
        }
    }
    if (optind != argc - 1 || !in)
        return ff_cli_usage("infer", infer_usage);
    ff_bundle *b;
    ff_session *s;
    int rc = open_both(argv[optind], backend, &so, &b, &s);
    if (rc)
        return rc;
    ff_io_info ii, oi;
    ff_bundle_input(b, &ii);
    ff_bundle_output(b, &oi);
    ff_err e = {0};
    ff_samples smp = {0};
    if (ff_samples_read(in, ii.size, &smp, &e)) {
        ff_session_close(s);
        ff_bundle_close(b);
        return host_err(&e);
    }
    int64_t n = smp.n;
    float *y = ff_malloc((size_t)(n * oi.size + 1) * sizeof *y);
    int32_t *qx = NULL, *qy = NULL;
    double t0 = now_s();
    if (raw) {
        qx = ff_malloc((size_t)(n * ii.size + 1) * sizeof *qx);
        qy = ff_malloc((size_t)(n * oi.size + 1) * sizeof *qy);
        ff_bundle_quantize(b, smp.data, qx, n);
        t0 = now_s();
        rc = ff_session_infer_raw(s, qx, qy, n, &e);
    } else {
        rc = ff_session_infer(s, smp.data, y, n, &e);
    }
    double secs = now_s() - t0;
    if (!rc && (!json || outp))
        rc = raw ? ff_samples_write_int(outp, qy, n, oi.size, &e) : ff_samples_write_float(outp, y, n, oi.size, &e);
    if (!rc && json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "bundle", ff_bundle_name(b));
        cJSON_AddStringToObject(o, "backend", ff_session_backend(s));
        cJSON_AddStringToObject(o, "device", ff_session_device(s));
        cJSON_AddNumberToObject(o, "samples", (double)n);
        cJSON_AddNumberToObject(o, "seconds", secs);
        cJSON_AddNumberToObject(o, "predicted_latency_us", ff_bundle_predicted_latency_us(b, ff_session_backend(s)));
        if (!outp) {
            cJSON *arr = cJSON_AddArrayToObject(o, raw ? "raw_outputs" : "outputs");
            for (int64_t k = 0; k < n; k++) {
                cJSON *row = cJSON_CreateArray();
                for (int64_t j = 0; j < oi.size; j++)
                    cJSON_AddItemToArray(row, cJSON_CreateNumber(raw ? (double)qy[k * oi.size + j]
                                                                     : (double)y[k * oi.size + j]));
                cJSON_AddItemToArray(arr, row);
            }
        }
        char *txt = cJSON_PrintUnformatted(o);
        puts(txt);
        free(txt);
        cJSON_Delete(o);
    }
    free(y);
    free(qx);
    free(qy);
    ff_samples_free(&smp);
    ff_session_close(s);
    ff_bundle_close(b);
    return rc ? host_err(&e) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char bench_usage[] =
    "fogforge bench BUNDLE --backend NAME [--batch N] [--seconds S] [--threads T] [--per-layer] [--json]";

int ff_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"backend", required_argument, 0, 'b'}, {"batch", required_argument, 0, 'n'},
        {"seconds", required_argument, 0, 's'}, {"threads", required_argument, 0, 't'},
        {"per-layer", no_argument, 0, 'L'},     {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},          {0}};
    const char *backend = "auto";
    long batch = 1, threads = 0;
    double seconds = 2;
    int json = 0, c;
    ff_session_opts so = {0};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': backend = optarg; break;
        case 'n':
            if (!ff_cli_long("bench", "--batch", optarg, 1, 1 << 20, &batch))
                return 2;
            break;
        case 's':
            if (!ff_cli_double("bench", "--seconds", optarg, 0.01, 3600, &seconds))
                return 2;
            break;
        case 't':
            if (!ff_cli_long("bench", "--threads", optarg, 1, 1024, &threads))
                return 2;
            break;
        case 'L': so.opencl_per_layer = 1; break;
        case 'j': json = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Calls ff_session_infer_raw on batches of N random samples for S seconds (after a\n"
                   "warm-up) and reports throughput (inferences/s), latency per call (p50, p99) and\n"
                   "the runtime's own overhead per call: wall time of the call minus the time spent\n"
                   "inside the backend's device call.\n",
                   bench_usage);
            return 0;
        default: return ff_cli_usage("bench", bench_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("bench", bench_usage);
    so.threads = (int)threads;
    ff_bundle *b;
    ff_session *s;
    int rc = open_both(argv[optind], backend, &so, &b, &s);
    if (rc)
        return rc;
    ff_io_info ii, oi;
    ff_bundle_input(b, &ii);
    ff_bundle_output(b, &oi);
    int32_t *x = ff_malloc((size_t)(batch * ii.size) * sizeof *x), *y = ff_malloc((size_t)(batch * oi.size) * sizeof *y);
    srand(1);
    for (int64_t k = 0; k < batch * ii.size; k++)
        x[k] = ii.qmin + rand() % (ii.qmax - ii.qmin + 1);
    ff_err e = {0};
    double tw = now_s();
    while (now_s() - tw < (seconds < 1 ? seconds / 4 : 0.25)) /* warm-up */
        if ((rc = ff_session_infer_raw(s, x, y, batch, &e)))
            break;
    size_t cap = 1 << 16, n = 0;
    uint64_t *lat = ff_malloc(cap * sizeof *lat);
    ff_session_stats s0, s1;
    ff_session_get_stats(s, &s0);
    double t0 = now_s(), t = t0;
    while (!rc && t - t0 < seconds) {
        struct timespec a, z;
        clock_gettime(CLOCK_MONOTONIC, &a);
        rc = ff_session_infer_raw(s, x, y, batch, &e);
        clock_gettime(CLOCK_MONOTONIC, &z);
        if (n == cap)
            lat = ff_realloc(lat, (cap *= 2) * sizeof *lat);
        lat[n++] = (uint64_t)(z.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)(z.tv_nsec - a.tv_nsec);
        t = now_s();
    }
    ff_session_get_stats(s, &s1);
    if (rc) {
        free(lat);
        free(x);
        free(y);
        ff_session_close(s);
        ff_bundle_close(b);
        return host_err(&e);
    }
    double wall = t - t0;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    qsort(lat, n, sizeof *lat, cmp_u64);
    double p50 = lat[n / 2] / 1e3, p99 = lat[(size_t)((double)(n - 1) * 0.99)] / 1e3;
    double per_call = (double)sum / (double)n / 1e3;
    double dev_per_call = (double)(s1.device_ns - s0.device_ns) / (double)(s1.calls - s0.calls) / 1e3;
    double thr = (double)n * (double)batch / wall;
    double cyc = s1.samples > s0.samples ? (double)(s1.cycles - s0.cycles) / (double)(s1.samples - s0.samples) : 0;
    if (json) {
        printf("{\"bundle\":\"%s\",\"backend\":\"%s\",\"device\":\"%s\",\"batch\":%ld,\"calls\":%zu,"
               "\"inferences_per_s\":%.1f,\"p50_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f,\"device_us\":%.3f,"
               "\"overhead_us\":%.3f,\"cycles_per_sample\":%.1f,\"predicted_latency_us\":%.3f}\n",
               ff_bundle_name(b), ff_session_backend(s), ff_session_device(s), batch, n, thr, p50, p99, per_call,
               dev_per_call, per_call - dev_per_call, cyc, ff_bundle_predicted_latency_us(b, ff_session_backend(s)));
    } else {
        printf("bundle %s on %s (%s), batch %ld, %zu calls in %.2f s\n", ff_bundle_name(b), ff_session_backend(s),
               ff_session_device(s), batch, n, wall);
        printf("  throughput        %12.0f inferences/s\n", thr);
        printf("  latency per call  p50 %.2f us, p99 %.2f us, mean %.2f us\n", p50, p99, per_call);
        printf("  device call       %.3f us mean; runtime overhead %.3f us per call\n", dev_per_call,
               per_call - dev_per_call);
        if (cyc > 0)
            printf("  simulated         %.1f cycles per sample\n", cyc);
    }
    free(lat);
    free(x);
    free(y);
    ff_session_close(s);
    ff_bundle_close(b);
    return 0;
}
