/* fogforge explore: per-layer reuse factors and bit widths on the
 * latency/resource Pareto front under a budget, from the surrogate. */
#include "cli.h"

#include "estimate.h"
#include "emit_rtl.h"
#include "explore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ex_usage[] = "fogforge explore MODEL --part PART [--max-lut N] [--max-ff N] [--max-dsp N] "
                               "[--max-bram N] [--max-latency CYCLES] [--calib IN] [--min-agreement PCT] "
                               "[--margin PCT|auto] [--slices] [--clock NS] [--io parallel|stream] "
                               "[--surrogate DIR|analytical] [-o CONFIG.json]";

static void print_pt(const ff_explore *x, const ff_design_pt *d, int mark)
{
    printf("%s %8.0f %5.0f %9.0f %9.0f %6.0f %6.0f %6.1f%%  w%d/a%d%s %6.1f%%  R:", mark ? "*" : " ",
           d->v[FF_T_LATENCY], d->v[FF_T_II], d->v[0], d->v[1], d->v[2], d->v[3], 100 * d->cost, x->cfg_w[d->bits],
           x->cfg_a[d->bits], x->cfg_wl[d->bits] ? "+" : " ", 100 * d->agreement);
    for (int i = 0; i < x->nn; i++)
        if (x->dot[i])
            printf(" %d", d->reuse[i]);
    printf("\n");
}

int ff_cmd_explore(int argc, char **argv)
{
    static const struct option opts[] = {
        {"part", required_argument, 0, 'p'},      {"max-lut", required_argument, 0, 'L'},
        {"max-ff", required_argument, 0, 'F'},    {"max-dsp", required_argument, 0, 'D'},
        {"max-bram", required_argument, 0, 'B'},  {"max-latency", required_argument, 0, 'T'},
        {"calib", required_argument, 0, 'c'},     {"min-agreement", required_argument, 0, 'a'},
        {"surrogate", required_argument, 0, 's'}, {"output", required_argument, 0, 'o'},
        {"margin", required_argument, 0, 'm'},    {"help", no_argument, 0, 'h'},
        {"slices", no_argument, 0, 'S'},          {"clock", required_argument, 0, 'k'},
        {"io", required_argument, 0, 'I'},        {0}};
    ff_explore_opts o = {0};
    const char *part = NULL, *sdir = NULL, *out = NULL;
    double lim[FF_T_RES] = {-1, -1, -1, -1}, pct = 99, margin = 0;
    int c, margin_auto = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': part = optarg; break;
        case 'L': if (!ff_cli_double("explore", "--max-lut", optarg, 0, 1e9, &lim[FF_T_LUT])) return 2; break;
        case 'F': if (!ff_cli_double("explore", "--max-ff", optarg, 0, 1e9, &lim[FF_T_FF])) return 2; break;
        case 'D': if (!ff_cli_double("explore", "--max-dsp", optarg, 0, 1e9, &lim[FF_T_DSP])) return 2; break;
        case 'B': if (!ff_cli_double("explore", "--max-bram", optarg, 0, 1e9, &lim[FF_T_BRAM])) return 2; break;
        case 'T': if (!ff_cli_double("explore", "--max-latency", optarg, 1, 1e12, &o.max_latency)) return 2; break;
        case 'c': o.calib = optarg; break;
        case 'a': if (!ff_cli_double("explore", "--min-agreement", optarg, 0, 100, &pct)) return 2; break;
        case 's': sdir = optarg; break;
        case 'o': out = optarg; break;
        case 'S': o.slices = 1; break;
        case 'k': if (!ff_cli_double("explore", "--clock", optarg, 0.5, 1000, &o.clock_ns)) return 2; break;
        case 'I':
            if ((o.io_stream = ff_cli_io("explore", optarg)) < 0)
                return 2;
            break;
        case 'm':
            if (!strcmp(optarg, "auto"))
                margin_auto = 1;
            else if (!ff_cli_double("explore", "--margin", optarg, 0, 1000, &margin))
                return 2;
            break;
        case 'h':
            printf("usage: %s\n\n"
                   "Searches the RTL design space of MODEL (.onnx) with the surrogate: bit widths (uniform,\n"
                   "then each layer's weight bits lowered) whose integer reference agrees with the float\n"
                   "model's argmax on the calibration inputs (--calib, default 256 synthetic N(0,1) inputs)\n"
                   "at least --min-agreement percent of the time (default 99), and every valid reuse factor\n"
                   "of every layer. Prints the Pareto front of latency against resource use (the largest\n"
                   "fraction of the budget: --max-* or the part's capacity; parts: %s) and writes the\n"
                   "lowest-latency design as a config for `fogforge gen --config` (-o). Each candidate is\n"
                   "quantized as gen will quantize it (gen's calibration, or the --calib file), so the\n"
                   "front's figures are `fogforge estimate`'s for that design's .ffq. When nothing fits:\n"
                   "the closest design, by how much it misses, exit 2.\n"
                   "--margin PCT keeps PCT percent of headroom: every resource estimate is raised by it\n"
                   "before the budget check. --margin auto raises each by the high end of the learned\n"
                   "surrogate's 90%% interval for designs of the model's class (its bands.json, from\n"
                   "`surrogate eval --cv --bands`): a design like the held-out ones lands under it with\n"
                   "probability 95%% or more.\n"
                   "--slices explores the design `gen --slices` builds (register slices at the layer\n"
                   "boundaries: their LUT RAM, registers and cycles in every candidate); the config it\n"
                   "writes says so (Model.slices: true), and gen, estimate and bundle create follow it.\n"
                   "--clock NS explores the design `gen --clock NS` builds: each layer pipelined for NS, so\n"
                   "its latency (and the registers the stages add) at every reuse factor; build the chosen\n"
                   "config with gen --clock NS (the command printed says so).\n"
                   "--io stream explores the io stream design (Conv and pooling one pixel per beat through\n"
                   "line buffers): each layer's PE at every reuse factor and the stream blocks; latency and\n"
                   "II of the candidates it keeps are the stream handshake model's, as estimate --io\n"
                   "stream's. The config says Model.io: \"stream\".\n",
                   ex_usage, ff_part_names());
            return 0;
        default: return ff_cli_usage("explore", ex_usage);
        }
    }
    if (optind != argc - 1 || !part)
        return ff_cli_usage("explore", ex_usage);
    if (margin_auto && o.clock_ns > 0)
        return ff_cli_fail(2, "explore: --margin auto uses error bands measured at the fixed plan, not --clock; "
                              "give --margin PCT");
    if (o.io_stream && o.slices)
        return ff_cli_fail(2, "explore: %s", FF_RTL_SLICES_NOT_STREAM);
    if (o.io_stream && o.clock_ns > 0)
        return ff_cli_fail(2, "explore: --clock does not pipeline io stream designs (gen keeps their fixed plan); "
                              "drop --clock or --io stream");
    if (o.io_stream && margin_auto)
        return ff_cli_fail(2, "explore: --margin auto uses error bands measured on io parallel designs; give "
                              "--margin PCT");
    o.part = ff_part_find(part);
    if (!o.part)
        return ff_cli_fail(2, "explore: unknown part '%s' (known: %s)", part, ff_part_names());
    const double cap[FF_T_RES] = {(double)o.part->lut, (double)o.part->ff, (double)o.part->dsp, (double)o.part->bram18};
    for (int k = 0; k < FF_T_RES; k++)
        o.budget[k] = lim[k] >= 0 ? lim[k] : cap[k];
    o.min_agreement = pct / 100.0;
    o.model = argv[optind];
    ff_surrogate *s;
    int rc = ff_cli_surrogate("explore", sdir, &s);
    if (rc)
        return rc;
    o.s = s;
    for (int k = 0; k < FF_T_RES; k++)
        o.margin[k] = 1 + margin / 100;
    if (margin_auto && !(o.margin_auto = ff_surrogate_bands(s))) {
        const char *dir = ff_surrogate_dir(s);
        ff_surrogate_free(s);
        if (!dir)
            return ff_cli_fail(2, "explore: --margin auto needs the learned surrogate's error bands; the analytical "
                                  "model has none (give --margin PCT)");
        return ff_cli_fail(2, "explore: --margin auto: the surrogate has no error bands (%s/%s; measure them with "
                              "fogforge surrogate eval DATASET %s --cv --bands)", dir, FF_BANDS_FILE, dir);
    }
    ff_explore x;
    ff_err e = {0};
    if (ff_explore_run(&o, &x, &e)) {
        ff_surrogate_free(s);
        return ff_cli_err(&e);
    }
    char clk[48] = "";
    if (o.clock_ns > 0)
        snprintf(clk, sizeof clk, " pipelined for %g ns (gen --clock)", o.clock_ns);
    else if (o.io_stream)
        snprintf(clk, sizeof clk, " as io stream");
    printf("explore: %s%s%s on %s, budget LUT %.0f FF %.0f DSP %.0f BRAM18 %.0f%s; %s estimator; %d bit-width "
           "configurations quantized, %d kept; %lld layer estimates; %.3f s\n",
           o.model, o.slices ? " with register slices (gen --slices)" : "", clk, o.part->name, o.budget[0], o.budget[1],
           o.budget[2], o.budget[3], o.max_latency > 0 ? "" : ", no latency limit", ff_surrogate_kind(s), x.tried, x.ncfg,
           (long long)x.evaluated, x.seconds);
    if (x.margin[0] != 1 || x.margin[1] != 1 || x.margin[2] != 1 || x.margin[3] != 1)
        printf("margin: estimates raised by LUT x%.3f FF x%.3f DSP x%.3f BRAM18 x%.3f before the budget check%s%s%s\n",
               x.margin[0], x.margin[1], x.margin[2], x.margin[3], margin_auto ? " (the high end of the " : "",
               margin_auto ? (x.margin_class == FF_BAND_LAYER ? "single-layer and parallel single-layer"
                                                              : ff_band_class_labels[x.margin_class])
                           : "",
               margin_auto ? " designs' cross-validated 90% interval)" : "");
    if (!x.found) {
        const ff_design_pt *d = &x.closest;
        char miss[256] = "";
        for (int k = 0; k < FF_T_RES; k++) {
            double w = d->v[k] * x.margin[k]; /* with the headroom asked for */
            if (w > o.budget[k])
                snprintf(miss + strlen(miss), sizeof miss - strlen(miss), "%s%s %.0f%s > %.0f (+%.0f%%)", miss[0] ? ", " : "",
                         ff_target_labels[k], w, x.margin[k] != 1 ? " with the margin" : "", o.budget[k],
                         o.budget[k] > 0 ? 100 * (w / o.budget[k] - 1) : 100.0);
        }
        if (o.max_latency > 0 && d->v[FF_T_LATENCY] > o.max_latency)
            snprintf(miss + strlen(miss), sizeof miss - strlen(miss), "%slatency %.0f > %.0f cycles", miss[0] ? ", " : "",
                     d->v[FF_T_LATENCY], o.max_latency);
        int rc2 = 2;
        if (d->reuse) {
            printf("closest design (does not fit):\n");
            printf("  %8s %5s %9s %9s %6s %6s %7s  %-7s %7s\n", "latency", "II", "LUT", "FF", "DSP", "BRAM", "budget",
                   "bits", "agree");
            print_pt(&x, d, 0);
        }
        ff_cli_fail(rc2, "explore: no design of %s fits the budget; the closest misses by %s", o.model,
                    miss[0] ? miss : "a rounding margin");
        ff_explore_free(&x);
        ff_surrogate_free(s);
        return rc2;
    }
    printf("Pareto front (latency vs. largest fraction of the budget used), * = chosen:\n");
    printf("  %8s %5s %9s %9s %6s %6s %7s  %-7s %7s\n", "latency", "II", "LUT", "FF", "DSP", "BRAM", "budget", "bits",
           "agree");
    for (int i = 0; i < x.nfront; i++)
        print_pt(&x, &x.front[i], i == x.chosen);
    /* without headroom: say when the chosen design may not fit at the high
     * end of the surrogate's error band */
    const ff_bands *bands = ff_surrogate_bands(s);
    if (bands && !margin_auto && margin == 0) {
        const ff_design_pt *d = &x.front[x.chosen];
        char over[256] = "";
        for (int k = 0; k < FF_T_RES; k++) {
            double lo, hi;
            if (ff_bands_interval(bands, x.margin_class, k, d->v[k], &lo, &hi) && hi > o.budget[k])
                snprintf(over + strlen(over), sizeof over - strlen(over), "%s%s %.0f > %.0f", over[0] ? ", " : "", ff_target_labels[k],
                         ceil(hi), o.budget[k]);
        }
        if (over[0])
            printf("note: at the high end of its 90%% interval the chosen design exceeds the budget (%s); "
                   "--margin auto keeps that end inside it\n", over);
    }
    char *cfg = ff_explore_config(&x, &x.front[x.chosen]);
    if (out) {
        ff_err we;
        if (ff_write_file_atomic(out, cfg, strlen(cfg), &we)) {
            free(cfg);
            ff_explore_free(&x);
            ff_surrogate_free(s);
            return ff_cli_err(&we);
        }
        char gclk[48] = "";
        if (o.clock_ns > 0)
            snprintf(gclk, sizeof gclk, " --clock %g", o.clock_ns);
        printf("wrote %s (fogforge gen %s --backend rtl --config %s --part %s%s%s%s)\n", out, o.model, out, o.part->name,
               gclk, o.calib ? " --calib " : "", o.calib ? o.calib : "");
    } else {
        printf("config:\n%s", cfg);
    }
    free(cfg);
    ff_explore_free(&x);
    ff_surrogate_free(s);
    return 0;
}
