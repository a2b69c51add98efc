/* Surrogate speed: layer estimates per second on one core (analytical and
 * learned), and the wall time of a whole estimate of a model including
 * loading it and the surrogate. Usage: bench_surrogate DATASET MODEL [MODELDIR] */
#include "dsrec.h"
#include "estimate.h"
#include "model.h"
#include "surrogate.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double rate(const ff_surrogate *s, const ff_dataset *d)
{
    int64_t n = 0;
    double sink = 0, t0 = now_s(), t;
    do {
        for (int64_t i = 0; i < d->n; i++)
            for (int l = 0; l < d->r[i].nl; l++) {
                double o[FF_T__COUNT];
                ff_surrogate_layer(s, &d->r[i].l[l], o);
                sink += o[0];
                n++;
            }
    } while ((t = now_s() - t0) < 1.0);
    if (sink < 0)
        printf("?");
    return (double)n / t;
}

static double whole(const char *model, const char *dir, int *ok)
{
    double best = 1e9;
    *ok = 1;
    for (int k = 0; k < 20; k++) {
        double t0 = now_s();
        ff_err e = {0};
        ff_surrogate *s = NULL;
        if (dir ? ff_surrogate_open(dir, &s, &e) : !(s = ff_surrogate_analytic())) {
            fprintf(stderr, "%s\n", e.msg);
            *ok = 0;
            return 0;
        }
        ff_qmodel *q;
        ff_quant_opts qo = {0};
        if (ff_model_load_quant(model, &qo, &q, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            *ok = 0;
            ff_surrogate_free(s);
            return 0;
        }
        ff_estimate r;
        if (!ff_estimate_model(q, model, s, ff_part_find("xc7z020"), 5.0, &r, &e))
            ff_estimate_free(&r);
        ff_qmodel_free(q);
        ff_surrogate_free(s);
        double t = now_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_surrogate DATASET MODEL [MODELDIR]\n");
        return 2;
    }
    ff_dataset d;
    ff_err e = {0};
    if (ff_dataset_load(argv[1], &d, &e) || d.n == 0) {
        fprintf(stderr, "%s: %s\n", argv[1], e.msg[0] ? e.msg : "no records");
        return 2;
    }
    ff_surrogate *an = ff_surrogate_analytic();
    printf("layer estimates/s, one core, analytical: %.0f\n", rate(an, &d));
    ff_surrogate_free(an);
    if (argc > 3) {
        ff_surrogate *s;
        if (ff_surrogate_open(argv[3], &s, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 2;
        }
        printf("layer estimates/s, one core, learned:    %.0f\n", rate(s, &d));
        ff_surrogate_free(s);
    }
    int ok;
    double t = whole(argv[2], NULL, &ok);
    if (ok)
        printf("whole estimate of %s incl. loading, analytical: %.3f ms (best of 20)\n", argv[2], t * 1e3);
    if (argc > 3) {
        t = whole(argv[2], argv[3], &ok);
        if (ok)
            printf("whole estimate of %s incl. loading, learned:    %.3f ms (best of 20)\n", argv[2], t * 1e3);
    }
    ff_dataset_free(&d);
    return 0;
}
