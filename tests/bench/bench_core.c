/* Core benchmarks: model load + passes + quantization time, and float /
 * integer reference throughput (single thread, one sample per call).
 * Prints one JSON object; scripts/bench.sh puts it beside ONNX Runtime's
 * figures measured in the same run. */
#include "exec.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_core LOAD_MODEL THROUGHPUT_MODEL [seconds]\n");
        return 2;
    }
    double secs = argc > 3 ? atof(argv[3]) : 1.0;
    ff_err e = {0};
    /* load + passes + quantize, best of 20 */
    double best = 1e9;
    for (int r = 0; r < 20; r++) {
        double t0 = now();
        ff_qmodel *q;
        if (ff_model_load_quant(argv[1], NULL, &q, &e)) {
            fprintf(stderr, "bench_core: %s\n", e.msg);
            return 1;
        }
        double t = now() - t0;
        best = t < best ? t : best;
        ff_qmodel_free(q);
    }
    ff_qmodel *q;
    if (ff_model_load_quant(argv[2], NULL, &q, &e)) {
        fprintf(stderr, "bench_core: %s\n", e.msg);
        return 1;
    }
    int64_t isz = ff_graph_in_size(q->g), osz = ff_graph_out_size(q->g);
    enum { NS = 1024 };
    float *x = malloc(sizeof(float) * (size_t)(isz * NS)), *y = malloc(sizeof(float) * (size_t)osz);
    int32_t *qx = malloc(sizeof(int32_t) * (size_t)(isz * NS)), *qy = malloc(sizeof(int32_t) * (size_t)osz);
    srand(1);
    for (int64_t i = 0; i < isz * NS; i++)
        x[i] = (float)rand() / RAND_MAX * 4 - 2;
    for (int k = 0; k < NS; k++)
        ff_quantize_input(q, x + k * isz, qx + k * isz);
    ff_fplan *fp = ff_fplan_new(q->g);
    ff_qplan *qp = ff_qplan_new(q);
    long nf = 0, nq = 0;
    double t0 = now(), tf, tq;
    do {
        for (int k = 0; k < 256; k++, nf++)
            ff_fplan_run(fp, x + (nf % NS) * isz, y, NULL, NULL);
    } while ((tf = now() - t0) < secs);
    t0 = now();
    do {
        for (int k = 0; k < 256; k++, nq++)
            ff_qplan_run(qp, qx + (nq % NS) * isz, qy);
    } while ((tq = now() - t0) < secs);
    printf("{\"load_quantize_ms\": %.3f, \"float_per_s\": %.0f, \"int_per_s\": %.0f}\n", best * 1e3, nf / tf,
           nq / tq);
    ff_fplan_free(fp);
    ff_qplan_free(qp);
    ff_qmodel_free(q);
    free(x), free(y), free(qx), free(qy);
    return 0;
}
