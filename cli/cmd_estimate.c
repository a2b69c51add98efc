/* fogforge estimate: resources, latency and II of a model's RTL design in
 * microseconds, from the learned surrogate or the analytical model. */
#include "cli.h"

#include "estimate.h"
#include "model.h"
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ff_cli_surrogate(const char *cmd, const char *opt, ff_surrogate **out)
{
    *out = NULL;
    if (opt && !strcmp(opt, "analytical")) {
        *out = ff_surrogate_analytic();
        return 0;
    }
    char buf[4096];
    const char *dir = opt ? opt : ff_surrogate_default_dir(buf, sizeof buf);
    if (!dir) {
        fprintf(stderr, "fogforge: %s: no learned surrogate found (FOGFORGE_SURROGATE, surrogates/models); "
                        "using the analytical model\n", cmd);
        *out = ff_surrogate_analytic();
        return 0;
    }
    ff_err e = {0};
    if (ff_surrogate_open(dir, out, &e))
        return ff_cli_fail(2, "%s: %s", cmd, e.msg);
    int flow = ff_surrogate_synth_flow(*out);
    if (flow != FF_SYNTH_FLOW)
        fprintf(stderr,
                "fogforge: %s: warning: the surrogate %s was trained on records of synthesis flow %d, whose netlists "
                "Yosys broke (docs/rtl.md, \"Synthesis flow\"): its estimates are low; retrain it on a dataset of "
                "flow %d\n",
                cmd, dir, flow, FF_SYNTH_FLOW);
    return 0;
}

static const char est_usage[] = "fogforge estimate MODEL [--config C.json|--reuse N] [--wbits N --abits N] "
                                "[--calib IN] [--part PART] [--clock NS] [--io parallel|stream] [--slices] [--surrogate DIR|analytical] [--json]";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int ff_cmd_estimate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'q'}, {"reuse", required_argument, 0, 'R'},
        {"wbits", required_argument, 0, 'W'},  {"abits", required_argument, 0, 'A'},
        {"calib", required_argument, 0, 'c'},  {"part", required_argument, 0, 'p'},
        {"clock", required_argument, 0, 'k'},  {"surrogate", required_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},         {"io", required_argument, 0, 'I'},
        {"slices", no_argument, 0, 'S'},       {"help", no_argument, 0, 'h'},
        {0}};
    ff_quant_opts qo = {0};
    const char *part = FF_DEFAULT_PART, *sdir = NULL;
    double clock = FF_DEFAULT_CLOCK_NS;
    int json = 0, c, clock_set = 0, io = -1, io_stream = 0, slices = 0;
    long v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': qo.config = optarg; break;
        case 'c': qo.calib = optarg; break;
        case 'R':
            if (!ff_cli_long("estimate", "--reuse", optarg, 1, 1 << 20, &v))
                return 2;
            qo.reuse = (int)v;
            break;
        case 'W':
            if (!ff_cli_long("estimate", "--wbits", optarg, 2, 16, &v))
                return 2;
            qo.wbits = (int)v;
            break;
        case 'A':
            if (!ff_cli_long("estimate", "--abits", optarg, 2, 16, &v))
                return 2;
            qo.abits = (int)v;
            break;
        case 'p': part = optarg; break;
        case 'k':
            if (!ff_cli_double("estimate", "--clock", optarg, 0.5, 1000, &clock))
                return 2;
            clock_set = 1;
            break;
        case 's': sdir = optarg; break;
        case 'I':
            if ((io = ff_cli_io("estimate", optarg)) < 0)
                return 2;
            break;
        case 'j': json = 1; break;
        case 'S': slices = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Estimates the RTL design of MODEL (.onnx quantized as `gen` would, or .ffq) without\n"
                   "synthesizing it: per-layer and total LUT, FF, DSP, BRAM18, latency (cycles and ns at\n"
                   "--clock) and II, and utilization of --part (%s; default %s).\n"
                   "Latency and II are exact (the RTL plan's: with --clock, the RTL `gen --clock` pipelines for\n"
                   "that period; without, its fixed plan); resources come from the learned surrogate\n"
                   "(--surrogate DIR, default $FOGFORGE_SURROGATE or the committed surrogates/models) or,\n"
                   "with --surrogate analytical or when none is installed, from the analytical model.\n"
                   "--io stream (or the config's Model.io, as in gen) estimates the streaming design: each\n"
                   "streaming layer as its PE on one window plus its padding, line buffers and window, the\n"
                   "collector with the layer it feeds; total latency and II from the stream plan's handshake\n"
                   "model (exact), per-layer ones per window. As in gen, --clock does not pipeline io stream.\n"
                   "--slices estimates `gen --slices`: each register slice's LUT-RAM and pointers on the layer\n"
                   "it feeds, latency and II from the sliced plan (exact); no interval.\n"
                   "With the learned surrogate's error bands (MODELDIR/bands.json, `surrogate eval --cv --bands`)\n"
                   "it also prints a 90%% interval per resource: a prediction interval from where Yosys landed\n"
                   "for the held-out designs of the same class (a single layer, a network) in cross-validation;\n"
                   "io parallel designs at the fixed plan only, the ones the dataset holds.\n"
                   "An .onnx's calibration ranges (the float model run on the calibration inputs) are cached\n"
                   "in $FOGFORGE_CACHE (off: none), else $XDG_CACHE_HOME/fogforge or ~/.cache/fogforge,\n"
                   "per model and inputs: a later estimate of the model, at any bits or reuse, skips the run.\n"
                   "--json prints the shape of `fogforge synth --json` and `fogforge report`, plus \"interval\".\n",
                   est_usage, ff_part_names(), FF_DEFAULT_PART);
            return 0;
        default: return ff_cli_usage("estimate", est_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("estimate", est_usage);
    int rc0;
    const ff_part *pt = ff_part_find(part);
    if (!pt)
        return ff_cli_fail(2, "estimate: unknown part '%s' (known: %s)", part, ff_part_names());
    if ((rc0 = ff_cli_io_mode(qo.config, io, &io_stream, &slices)))
        return rc0;
    double t0 = now_s();
    ff_surrogate *s;
    int rc = ff_cli_surrogate("estimate", sdir, &s);
    if (rc)
        return rc;
    ff_err e = {0};
    ff_qmodel *q;
    if (ff_estimate_load(argv[optind], &qo, &q, NULL, &e)) {
        ff_surrogate_free(s);
        return ff_cli_err(&e);
    }
    ff_estimate r;
    /* with --clock the RTL (gen --clock) is pipelined for it: latency as that RTL's */
    rc = ff_estimate_model_slices(q, argv[optind], s, pt, clock, clock_set ? clock : 0, io_stream, slices, &r, &e);
    double secs = now_s() - t0;
    if (rc) {
        ff_qmodel_free(q);
        ff_surrogate_free(s);
        return ff_cli_err(&e);
    }
    if (json) {
        char *js = ff_estimate_json(&r);
        printf("%s\n", js);
        free(js);
    } else {
        printf("design:    %s%s%s (estimate: %s model%s%s, %.3f ms)\n", r.design, io_stream ? ", io stream" : "",
               slices ? ", register slices" : "",
               r.estimator, r.surrogate ? " " : "", r.surrogate ? r.surrogate : "", secs * 1e3);
        printf("%-24s %-8s %7s %9s %9s %7s %7s %9s %7s\n", "layer", "op", "reuse", "LUT", "FF", "DSP", "BRAM18",
               "latency", "II");
        for (int i = 0; i < r.nl; i++) {
            const ff_est_layer *L = &r.l[i];
            printf("%-24.24s %-8.8s %7d %9.0f %9.0f %7.0f %7.0f %9.0f %7.0f\n", L->name, ff_op_name((ff_op)L->op),
                   L->reuse, L->v[0], L->v[1], L->v[2], L->v[3], L->v[4], L->v[5]);
        }
        printf("%-24s %-8s %7s %9.0f %9.0f %7.0f %7.0f %9.0f %7.0f\n", "total", "", "", r.total[0],
               r.total[1], r.total[2], r.total[3], r.total[4], r.total[5]);
        if (r.has_interval) {
            printf("%-24s %-8s %7s", "90% interval", "", "");
            for (int k = 0; k < FF_T_RES; k++) {
                char iv[48];
                if (r.band_n[k])
                    snprintf(iv, sizeof iv, "%.0f-%.0f", floor(r.lo[k]), ceil(r.hi[k]));
                else
                    snprintf(iv, sizeof iv, "-"); /* too few records of the class */
                printf(k < 2 ? " %9s" : " %7s", iv);
            }
            printf("   (%s designs, cross-validated)\n", ff_band_class_labels[r.band_class]);
        } else if (r.surrogate) {
            printf("no interval: %s\n", r.no_interval);
        }
        double u[4], hu[4];
        double m = ff_est_utilization(r.total, pt, u);
        printf("latency:   %.0f cycles = %.1f ns at %g ns, II %.0f (exact: the RTL plan)\n", r.total[FF_T_LATENCY],
               r.total[FF_T_LATENCY] * clock, clock, r.total[FF_T_II]);
        printf("%s: LUT %.1f%%  FF %.1f%%  DSP %.1f%%  BRAM18 %.1f%%  -> %s", pt->name, 100 * u[0], 100 * u[1],
               100 * u[2], 100 * u[3], m <= 1 ? "fits" : "does not fit");
        if (r.has_interval && (ff_est_utilization(r.hi, pt, hu) <= 1) != (m <= 1)) {
            int w = 0;
            for (int k = 1; k < 4; k++)
                if (hu[k] > hu[w])
                    w = k;
            printf(m <= 1 ? " (may not: at the interval's high end %s %.1f%%)" : " (may: at the interval's low end)",
                   ff_target_labels[w], 100 * hu[w]);
        }
        printf("\n");
    }
    ff_estimate_free(&r);
    ff_qmodel_free(q);
    ff_surrogate_free(s);
    return 0;
}
