/* fogforge surrogate gen|train|eval: the resource and latency surrogates. */
#include "cli.h"

#include "analytic.h"
#include "bands.h"
#include "dataset.h"
#include "dsrec.h"
#include "emit.h"
#include "metrics.h"
#include "surrogate.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char gen_usage[] = "fogforge surrogate gen --out DIR [--layers N] [--networks N] [-j JOBS] [--seed S] "
                                "[--timeout SEC] [--sim-every K] [--netlist-every K] [--vectors N] [--max-mults M] [--max-cost C] [--reuse R] [--uniform] [--log-reuse] [--retry-timeouts] [--mem-limit GB] [-q] [--dry-run] [--keep]";

static int cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},      {"layers", required_argument, 0, 'L'},
        {"networks", required_argument, 0, 'N'}, {"jobs", required_argument, 0, 'j'},
        {"seed", required_argument, 0, 's'},     {"timeout", required_argument, 0, 't'},
        {"sim-every", required_argument, 0, 'k'}, {"vectors", required_argument, 0, 'v'},
        {"max-mults", required_argument, 0, 'm'}, {"quiet", no_argument, 0, 'q'},
        {"dry-run", no_argument, 0, 'n'},
        {"keep", no_argument, 0, 'K'},          {"max-cost", required_argument, 0, 'C'},
        {"mem-limit", required_argument, 0, 'M'}, {"reuse", required_argument, 0, 'R'},
        {"retry-timeouts", no_argument, 0, 'T'}, {"uniform", no_argument, 0, 'U'},
        {"log-reuse", no_argument, 0, 'G'},
        {"netlist-every", required_argument, 0, 'E'},
        {"help", no_argument, 0, 'h'},           {0}};
    ff_dataset_opts o = {.layers = 1500, .networks = 150, .jobs = 2, .seed = 1, .timeout_s = 600, .sim_every = 1,
                         .vectors = 50, .max_mults = 256, .max_cost = 40000, .mem_limit_gb = 8};
    long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:j:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'L':
            if (!ff_cli_long("surrogate gen", "--layers", optarg, 0, 10000000, &v))
                return 2;
            o.layers = v;
            break;
        case 'N':
            if (!ff_cli_long("surrogate gen", "--networks", optarg, 0, 10000000, &v))
                return 2;
            o.networks = v;
            break;
        case 'j':
            if (!ff_cli_long("surrogate gen", "-j", optarg, 1, 256, &v))
                return 2;
            o.jobs = (int)v;
            break;
        case 's':
            if (!ff_cli_long("surrogate gen", "--seed", optarg, 0, 2147483647, &v))
                return 2;
            o.seed = (uint64_t)v;
            break;
        case 't':
            if (!ff_cli_long("surrogate gen", "--timeout", optarg, 5, 86400, &v))
                return 2;
            o.timeout_s = (int)v;
            break;
        case 'k':
            if (!ff_cli_long("surrogate gen", "--sim-every", optarg, 0, 1000000, &v))
                return 2;
            o.sim_every = (int)v;
            break;
        case 'E':
            if (!ff_cli_long("surrogate gen", "--netlist-every", optarg, 0, 1000000, &v))
                return 2;
            o.netlist_every = (int)v;
            break;
        case 'v':
            if (!ff_cli_long("surrogate gen", "--vectors", optarg, 1, 1000000, &v))
                return 2;
            o.vectors = v;
            break;
        case 'm':
            if (!ff_cli_long("surrogate gen", "--max-mults", optarg, 16, 1 << 20, &v))
                return 2;
            o.max_mults = v;
            break;
        case 'C':
            if (!ff_cli_long("surrogate gen", "--max-cost", optarg, 0, 1L << 40, &v))
                return 2;
            o.max_cost = v;
            break;
        case 'R':
            if (!ff_cli_long("surrogate gen", "--reuse", optarg, 1, 1 << 20, &v))
                return 2;
            o.reuse = (int)v;
            break;
        case 'M':
            if (!ff_cli_long("surrogate gen", "--mem-limit", optarg, 0, 1 << 20, &v))
                return 2;
            o.mem_limit_gb = (int)v;
            break;
        case 'q': o.quiet = 1; break;
        case 'U': o.uniform = 1; break;
        case 'G': o.log_reuse = 1; break;
        case 'T': o.retry_timeouts = 1; break;
        case 'n': o.dry_run = 1; break;
        case 'K': o.keep = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Generates random designs (single layers, 2-6 layer networks spread evenly among them), writes each as RTL,\n"
                   "synthesizes it with Yosys (xc7) and co-simulates every K-th with Verilator (0: none),\n"
                   "appending one JSON line per design to DIR/designs.jsonl. Designs already recorded are\n"
                   "skipped: stop with Ctrl-C and run again to resume. Defaults: 1500 layers, 150 networks,\n"
                   "-j 2, seed 1, timeout 600 s, K 1, 50 vectors, at most 256 multipliers per layer.\n"
                   "--max-cost C redraws designs whose synthesis cost (bits of weight/index ROM, input\n"
                   "muxes, multipliers and I/O registers; see docs/surrogates.md) exceeds C (default\n"
                   "40000, about a minute of Yosys; 0: no cap). --mem-limit GB caps each design's\n"
                   "address space (default 8; 0: none): a design over it is recorded as failed.\n"
                   "--timeout SEC is CPU time: what the design's processes (the worker, Yosys, Verilator's\n"
                   "build) have used together, so other work on the machine does not time designs out; the\n"
                   "wall clock backs it up at 8 x SEC. A design over it is recorded as a timeout.\n"
                   "--keep leaves each design's project (RTL, Yosys log) in DIR/work/<id>.\n"
                   "--reuse R builds every multiply-accumulate layer at reuse factor R where R is valid for\n"
                   "it and n_in*n_out*positions/R <= --max-mults (else its reuse is drawn as usual): e.g.\n"
                   "--reuse 1 for fully parallel layers, which the drawn factors rarely give. Its designs\n"
                   "are named apart (L000042-s2-r1: seed, reuse) so the two runs' records can be merged;\n"
                   "so are those of a seed other than 1 (N000007-s5).\n"
                   "--netlist-every K also co-simulates Yosys's netlist of every K-th design (fogforge sim\n"
                   "--netlist; default 0: none): a design whose netlist does not compute it is recorded as\n"
                   "failed, so no broken netlist's counts enter the dataset.\n"
                   "--uniform draws networks as hls4ml users configure them: one reuse factor for the whole\n"
                   "model (a power of two from 1 to 64; per layer the nearest valid factor within\n"
                   "--max-mults), mostly MLPs of power-of-two widths 8-64, half of them ending in a Softmax.\n"
                   "Single layers are drawn as usual. Its designs are named apart (N000003-s6-u).\n"
                   "--log-reuse draws each layer's reuse factor uniformly in log2 R over its valid factors\n"
                   "within the multiplier cap, rather than uniformly over them (most of which are multiples\n"
                   "of the layer's inputs: one multiplier serving outputs in turn), so that the few products\n"
                   "a cycle users choose are as common as the rest. Named apart (L000042-s1-g). Beside a run\n"
                   "of the same seed without it, it draws the same designs wherever both draws pick the same\n"
                   "factors (loaders keep one record of a design): give it a seed of its own.\n"
                   "Either draw picks among the 64 smallest valid factors within the cap.\n"
                   "--retry-timeouts generates again the designs recorded as timed out by the wall clock (a\n"
                   "loaded machine) or at a CPU limit below this run's --timeout (a design that used up as\n"
                   "much CPU as it is now given would again); a success is appended after the failure, and\n"
                   "loaders count the design as synthesized.\n",
                   gen_usage);
            return 0;
        default:
            return ff_cli_usage("surrogate gen", gen_usage);
        }
    }
    if (optind != argc || !o.out)
        return ff_cli_usage("surrogate gen", gen_usage);
    ff_err e = {0};
    char cmd[1024] = "";
    for (int i = 0; i < argc; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s%s", i ? " " : "fogforge surrogate ", argv[i]);
    /* and every setting in effect, so the dataset can be regenerated exactly */
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd),
             "\n# effective: --layers %lld --networks %lld --seed %llu --timeout %d --sim-every %d --netlist-every %d --vectors %ld "
             "--max-mults %lld --max-cost %lld --reuse %d%s%s (fogforge %s)\n",
             (long long)o.layers, (long long)o.networks, (unsigned long long)o.seed, o.timeout_s, o.sim_every, o.netlist_every,
             o.vectors, (long long)o.max_mults, (long long)o.max_cost, o.reuse, o.uniform ? " --uniform" : "", o.log_reuse ? " --log-reuse" : "", FF_VERSION);
    char path[4096];
    snprintf(path, sizeof path, "%s/command.txt", o.out);
    if (ff_mkdirs(o.out, &e) || ff_write_file_atomic(path, cmd, strlen(cmd), &e))
        return ff_cli_err(&e);
    return ff_dataset_generate(&o, &e) ? ff_cli_err(&e) : 0;
}

static int load_dataset(const char *cmd, const char *path, ff_dataset *d, int quiet)
{
    ff_err e = {0};
    if (ff_dataset_load(path, d, &e))
        return ff_cli_err(&e);
    char bad[300] = "";
    if (d->bad)
        snprintf(bad, sizeof bad, "; %lld corrupt or truncated line(s) skipped, the first at line %lld: %s",
                 (long long)d->bad, (long long)d->first_bad_line, d->first_bad);
    char flow[200] = "";
    if (d->other_flow)
        snprintf(flow, sizeof flow,
                 "; %lld record(s) of an older synthesis flow left out (their netlists were broken: docs/rtl.md, "
                 "\"Synthesis flow\")",
                 (long long)d->other_flow);
    if (d->n == 0) {
        int64_t failed = d->failed;
        ff_dataset_free(d);
        return ff_cli_fail(2, "surrogate %s: %s: no usable records (%lld failed designs%s%s)", cmd, path,
                           (long long)failed, flow, bad);
    }
    char dup[160] = "";
    if (d->duplicates)
        snprintf(dup, sizeof dup, "; %lld record(s) of a design recorded before left out (two runs drew it)",
                 (long long)d->duplicates);
    if (!quiet || d->bad || d->other_flow)
        fprintf(stderr, "fogforge: surrogate %s: %s: %lld usable records (%lld completed by regenerating their "
                        "design), %lld failed designs%s%s%s\n",
                cmd, path, (long long)d->n, (long long)d->regenerated, (long long)d->failed, dup, flow, bad);
    return 0;
}

static int train_opts(const char *cmd, int c, const char *arg, ff_train_opts *t)
{
    long v;
    double x;
    switch (c) {
    case 'r':
        if (!ff_cli_long(cmd, "--rounds", arg, 1, 100000, &v))
            return 2;
        t->rounds = (int)v;
        return 0;
    case 'd':
        if (!ff_cli_long(cmd, "--depth", arg, 1, 20, &v))
            return 2;
        t->max_depth = (int)v;
        return 0;
    case 'e':
        if (!ff_cli_double(cmd, "--eta", arg, 1e-4, 1, &x))
            return 2;
        t->eta = x;
        return 0;
    case 'S':
        if (!ff_cli_long(cmd, "--seed", arg, 0, 2147483647, &v))
            return 2;
        t->seed = (uint64_t)v;
        return 0;
    case 'D':
        if (!ff_cli_long(cmd, "--decompose", arg, 0, 1, &v))
            return 2;
        t->decompose = (int)v;
        return 0;
    case 'L':
        if (!ff_cli_long(cmd, "--parallel", arg, 0, 2, &v))
            return 2;
        t->parallel = (int)v;
        return 0;
    case 'M':
        if (!strcmp(arg, "auto"))
            t->mode = 0;
        else if (!strcmp(arg, "log"))
            t->mode = 1;
        else if (!strcmp(arg, "residual"))
            t->mode = 2;
        else
            return ff_cli_fail(2, "surrogate %s: --mode wants auto, log or residual, got '%s'", cmd, arg);
        return 0;
    case 'W':
        if (!ff_cli_double(cmd, "--hash-weight", arg, 0, 10, &x))
            return 2;
        t->hash_sigma = x;
        return 0;
    case 'A': {
        /* comma-separated targets that keep the analytical model */
        char buf[256];
        snprintf(buf, sizeof buf, "%s", arg);
        t->analytical = 0;
        for (char *sv = NULL, *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv)) {
            int k = 0;
            while (k < FF_T_RES && strcmp(tok, ff_target_names[k]))
                k++;
            if (k == FF_T_RES)
                return ff_cli_fail(2, "surrogate %s: --analytical: unknown target '%s' (lut, ff, dsp, bram18)", cmd,
                                   tok);
            t->analytical |= 1u << k;
        }
        return 0;
    }
    }
    return 1;
}

#define TRAIN_LONGOPTS                                                                                            \
    {"rounds", required_argument, 0, 'r'}, {"depth", required_argument, 0, 'd'}, {"eta", required_argument, 0, 'e'}, \
        {"seed", required_argument, 0, 'S'}, {"decompose", required_argument, 0, 'D'},                             \
        {"mode", required_argument, 0, 'M'}, {"analytical", required_argument, 0, 'A'},                           \
        {"hash-weight", required_argument, 0, 'W'}, {"parallel", required_argument, 0, 'L'}

static const char train_usage[] = "fogforge surrogate train DATASET -o MODELDIR [--rounds N] [--depth D] [--eta X] "
                                  "[--seed S] [--decompose 0|1] [--mode auto|log|residual] [--analytical T,...] [--hash-weight S] "
                                  "[--parallel 0|1|2] [--predict OUT.tsv] [-q]";

/* id, target and prediction of every record, one per line (what make test compares) */
static int write_predictions(const char *path, const ff_dataset *d, const ff_surrogate *s)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ff_cli_fail(2, "surrogate train: cannot write %s", path);
    fprintf(f, "id");
    for (int k = 0; k < FF_T__COUNT; k++)
        fprintf(f, "\t%s", ff_target_names[k]);
    fprintf(f, "\n");
    for (int64_t i = 0; i < d->n; i++) {
        double t[FF_T__COUNT];
        ff_surrogate_network(s, d->r[i].l, d->r[i].nl, NULL, t);
        fprintf(f, "%s", d->r[i].id);
        for (int k = 0; k < FF_T__COUNT; k++)
            fprintf(f, "\t%.6g", t[k]);
        fprintf(f, "\n");
    }
    return fclose(f) ? ff_cli_fail(2, "surrogate train: cannot write %s", path) : 0;
}

static int cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'}, TRAIN_LONGOPTS,
                                         {"predict", required_argument, 0, 'P'}, {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'}, {0}};
    ff_train_opts t;
    ff_train_opts_default(&t);
    const char *out = NULL, *pred = NULL;
    int c, quiet = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'P')
            pred = optarg;
        else if (c == 'q')
            quiet = 1;
        else if (c == 'h') {
            printf("usage: %s\n\n"
                   "Trains the learned per-layer surrogate: one XGBoost regressor per resource (LUT, FF, DSP,\n"
                   "BRAM18) over the layer features and the analytical estimate, on the single-layer records;\n"
                   "the target is log(1+y) or its residual against the analytical model; --mode auto\n"
                   "picks per target whichever predicts best in 5-fold cross-validation, or no tree at all\n"
                   "(transform \"analytical\") when neither beats the analytical estimate by a tenth;\n"
                   "--analytical lut,ff,dsp,bram18 (any of them) keeps the analytical model for those targets.\n"
                   "A network is the sum of its layers (its top level is wiring); with --decompose 1\n"
                   "(default) network records' totals are shared among their layers in proportion to the\n"
                   "estimates and trained on. --hash-weight S (default 0.05; 0: off) weights a LUT row by\n"
                   "1 / (1 + (h / a / S)^2), where h is the LUTs a hash in Yosys decided either way in the RTL\n"
                   "revision it measured (accumulators as wide as their one product, before revision 4: half a\n"
                   "LUT a bit) and a the analytical LUTs, so the trees do not learn that hash from older\n"
                   "records. Layers summing several products an output a cycle (R < n_in): --parallel 0\n"
                   "leaves them to the analytical model; 1 trains the trees on them too and has them correct\n"
                   "them; 2 (default) trains a second set of trees so (<target>-alone.json) that corrects them\n"
                   "only in a design of that one layer, which ABC maps alone at the smallest depth, and keeps\n"
                   "the analytical estimate for them in networks (closer there; docs/surrogates.md).\n"
                   "Deterministic: one thread, fixed\n"
                   "seed (default 1), no subsampling. Writes MODELDIR/index.json, <target>.json (XGBoost JSON)\n"
                   "and <target>.bin (their binary cache, what estimate loads); --predict writes every record's\n"
                   "estimate. Defaults: 400 rounds, depth 3, eta 0.05 (deeper trees overfit a few hundred\n"
                   "designs: on 259 records depth 6 x 300 rounds held out 23%% LUT SMAPE, depth 3 x 100 15%%;\n"
                   "on 229 flow-2 records 100, 200, 400 and 800 rounds cross-validated 5.56, 5.23, 4.92, 4.78%%).\n",
                   train_usage);
            return 0;
        } else {
            int rc = train_opts("train", c, optarg, &t);
            if (rc == 1)
                return ff_cli_usage("surrogate train", train_usage);
            if (rc)
                return rc;
        }
    }
    if (optind != argc - 1 || !out)
        return ff_cli_usage("surrogate train", train_usage);
    ff_dataset d;
    int rc = load_dataset("train", argv[optind], &d, quiet);
    if (rc)
        return rc;
    ff_err e = {0};
    rc = ff_surrogate_train(&d, NULL, d.n, &t, out, &e);
    ff_surrogate *s = NULL;
    if (!rc)
        rc = ff_surrogate_open(out, &s, &e);
    if (rc) {
        ff_dataset_free(&d);
        return ff_cli_err(&e);
    }
    if (!quiet)
        fprintf(stderr, "fogforge: surrogate train: wrote %s/index.json and the tree models it names, with their .bin caches\n",
                out);
    if (pred)
        rc = write_predictions(pred, &d, s);
    ff_surrogate_free(s);
    ff_dataset_free(&d);
    return rc;
}

/* ---- eval ---- */

typedef struct {
    double *p[FF_T__COUNT], *a[FF_T__COUNT];
    int64_t n;
} pairs;

static void pairs_alloc(pairs *pp, int64_t n)
{
    for (int k = 0; k < FF_T__COUNT; k++) {
        pp->p[k] = ff_malloc(sizeof(double) * (size_t)(n ? n : 1));
        pp->a[k] = ff_malloc(sizeof(double) * (size_t)(n ? n : 1));
    }
    pp->n = 0;
}

/* appends the estimates of s for records idx[0..n) */
static void pairs_add(pairs *pp, const ff_dataset *d, const int64_t *idx, int64_t n, const ff_surrogate *s)
{
    for (int64_t i = 0; i < n; i++) {
        const ff_dsrec *r = &d->r[idx[i]];
        double t[FF_T__COUNT];
        ff_surrogate_network(s, r->l, r->nl, NULL, t);
        for (int k = 0; k < FF_T__COUNT; k++)
            pp->p[k][pp->n] = t[k], pp->a[k][pp->n] = r->t[k];
        pp->n++;
    }
}

static void pairs_eval(pairs *pp, const ff_dataset *d, const int64_t *idx, int64_t n, const ff_surrogate *s)
{
    pairs_alloc(pp, n);
    pairs_add(pp, d, idx, n, s);
}

static void pairs_free(pairs *pp)
{
    for (int k = 0; k < FF_T__COUNT; k++)
        free(pp->p[k]), free(pp->a[k]);
}

static void print_row(const char *split, const char *est, int k, const double *p, const double *a, int64_t n, int json,
                      int *first)
{
    ff_metrics m;
    ff_metrics_compute(p, a, n, &m);
    {
        if (json)
            printf("%s\n  {\"split\": \"%s\", \"estimator\": \"%s\", \"target\": \"%s\", \"n\": %lld, \"smape\": %.6f, "
                   "\"mape\": %.6f, \"r2\": %.6f, \"median_ape\": %.6f, \"p90_ape\": %.6f, \"within10\": %.6f, "
                   "\"exact\": %.6f}",
                   *first ? "" : ",", split, est, ff_target_names[k], (long long)m.n, m.smape, m.mape, m.r2,
                   m.med_ape, m.p90_ape, m.within10, m.exact);
        else
            printf("%-11s %-10s %-8s %5lld %7.2f%% %7.2f%% %7.3f %7.2f%% %7.2f%% %6.1f%% %6.1f%%\n", split, est,
                   ff_target_names[k], (long long)m.n, 100 * m.smape, 100 * m.mape, m.r2, 100 * m.med_ape,
                   100 * m.p90_ape, 100 * m.within10, 100 * m.exact);
        *first = 0;
    }
}

static void print_metrics(const char *split, const char *est, const pairs *pp, int json, int *first)
{
    for (int k = 0; k < FF_T__COUNT; k++)
        print_row(split, est, k, pp->p[k], pp->a[k], pp->n, json, first);
}

/* The cross-validated LUT figures by band class (bands.h: single layers,
 * parallel single layers, networks), analytical and learned: an[i] and
 * cvp[i] are record i's estimates. */
static void print_class_metrics(const ff_dataset *d, const pairs *an, const double (*cvp)[FF_T__COUNT], int json,
                                int *first)
{
    double *p = ff_malloc(sizeof(double) * (size_t)(d->n ? d->n : 1));
    double *a = ff_malloc(sizeof(double) * (size_t)(d->n ? d->n : 1));
    for (int c = 0; c < FF_BAND__COUNT; c++) {
        char split[32];
        snprintf(split, sizeof split, "cv/%s", ff_band_class_names[c]);
        for (int learned = 0; learned < 2; learned++) {
            int64_t n = 0;
            for (int64_t i = 0; i < d->n; i++)
                if (ff_bands_record_class(&d->r[i]) == c) {
                    p[n] = learned ? cvp[i][FF_T_LUT] : an->p[FF_T_LUT][i];
                    a[n++] = d->r[i].t[FF_T_LUT];
                }
            if (n)
                print_row(split, learned ? "learned" : "analytical", FF_T_LUT, p, a, n, json, first);
        }
    }
    free(p), free(a);
}

static uint64_t hash_id(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* eval's fold of a record (0-4, by a hash of its id): fold 0 is the random
 * split's held-out fifth, and --cv holds out each fold in turn */
static int eval_fold(const ff_dsrec *r)
{
    return (int)(hash_id(r->id, 0x5eed) % 5);
}

/* --plot's or --records' file (opt): in a writable directory, and a name
 * gnuplot's quoted string can hold; checked before any work, says why not
 * (one line) and returns 0 */
static int out_path_ok(const char *opt, const char *path)
{
    if (strchr(path, '\'') || strchr(path, '\n')) {
        ff_cli_fail(2, "surrogate eval: %s %s: a file name with a quote or newline", opt, path);
        return 0;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = 0; /* "/x.svg": the root */
    else
        snprintf(dir, sizeof dir, ".");
    if (access(dir, W_OK) != 0) {
        ff_cli_fail(2, "surrogate eval: %s %s: cannot write in %s: %s", opt, path, dir, strerror(errno));
        return 0;
    }
    return 1;
}

/* s as the body of a gnuplot single-quoted string ('' stands for '): out
 * holds 2 strlen(s) + 1 bytes */
static void gp_quote(const char *s, char *out)
{
    for (; *s; s++) {
        if (*s == '\'')
            *out++ = '\'';
        *out++ = *s;
    }
    *out = 0;
}

/* gnuplot draws into a temporary file beside svg, renamed over it when
 * gnuplot succeeded: a failed plot leaves no half-written svg */
static int plot(const char *svg, const pairs *pp, const char *title)
{
    char dat[4096], out[4096], qdat[2 * sizeof dat], qout[2 * sizeof out];
    snprintf(dat, sizeof dat, "%s/fogforge-eval-XXXXXX", ff_tmp_dir());
    if (snprintf(out, sizeof out, "%s.XXXXXX", svg) >= (int)sizeof out)
        return ff_cli_fail(2, "surrogate eval: --plot %s: path too long", svg);
    int fd = mkstemp(dat);
    if (fd < 0)
        return ff_cli_fail(1, "surrogate eval: cannot create a temporary file in %s: %s", ff_tmp_dir(),
                           strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(dat);
        return ff_cli_fail(1, "surrogate eval: cannot write %s: %s", dat, strerror(errno));
    }
    for (int k = 0; k < FF_T_RES; k++) {
        for (int64_t i = 0; i < pp->n; i++)
            fprintf(f, "%g %g\n", pp->a[k][i] + 1, pp->p[k][i] + 1);
        fprintf(f, "\n\n");
    }
    if (fclose(f) != 0) {
        unlink(dat);
        return ff_cli_fail(1, "surrogate eval: cannot write %s: %s", dat, strerror(errno));
    }
    int ofd = mkstemp(out);
    if (ofd < 0) {
        unlink(dat);
        return ff_cli_fail(2, "surrogate eval: --plot %s: cannot create %s: %s", svg, out, strerror(errno));
    }
    mode_t um = umask(0); /* the plot gets the mode a plain fopen would give it, not mkstemp's 0600 */
    umask(um);
    if (fchmod(ofd, 0666 & ~um) != 0 || close(ofd) != 0) {
        unlink(out);
        unlink(dat);
        return ff_cli_fail(1, "surrogate eval: --plot %s: cannot set the mode of %s: %s", svg, out, strerror(errno));
    }
    gp_quote(dat, qdat);
    gp_quote(out, qout);
    char gp[sizeof qout + 4 * sizeof qdat + 4096];
    snprintf(gp, sizeof gp,
             "set terminal svg size 1000,800 dynamic background rgb 'white'\nset output '%s'\n"
             "set multiplot layout 2,2 title '%s: predicted vs. actual (Yosys xc7), +1, log-log'\n"
             "set logscale xy\nset xlabel 'actual + 1'\nset ylabel 'predicted + 1'\nset key top left\n"
             "set title 'LUT'\nplot '%s' index 0 with points pt 7 ps 0.4 notitle, x title 'y = x', 1.1*x dt 2 lc rgb 'gray' title '+-10%%', 0.9*x dt 2 lc rgb 'gray' notitle\n"
             "set title 'FF'\nplot '%s' index 1 with points pt 7 ps 0.4 notitle, x title 'y = x', 1.1*x dt 2 lc rgb 'gray' title '+-10%%', 0.9*x dt 2 lc rgb 'gray' notitle\n"
             "set title 'DSP'\nplot '%s' index 2 with points pt 7 ps 0.4 notitle, x title 'y = x', 1.1*x dt 2 lc rgb 'gray' title '+-10%%', 0.9*x dt 2 lc rgb 'gray' notitle\n"
             "set title 'BRAM18'\nplot '%s' index 3 with points pt 7 ps 0.4 notitle, x title 'y = x'\n"
             "unset multiplot\nunset output\n",
             qout, title, qdat, qdat, qdat, qdat);
    /* a gnuplot that is missing or dies closes the pipe: the write then
     * fails with EPIPE (reported below) rather than killing us by SIGPIPE
     * with the temporary files left behind */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    FILE *g = popen("gnuplot >/dev/null", "w"); /* on failure it would print the plot to stdout */
    int rc = 0, wrc = g ? fputs(gp, g) : -1, prc = g ? pclose(g) : -1;
    sigaction(SIGPIPE, &old, NULL);
    if (wrc < 0 || prc != 0)
        rc = ff_cli_fail(1, "surrogate eval: gnuplot failed writing %s (is gnuplot installed? scripts/deps.sh)", svg);
    else if (rename(out, svg) != 0)
        rc = ff_cli_fail(2, "surrogate eval: --plot %s: cannot rename %s over it: %s", svg, out, strerror(errno));
    if (rc)
        unlink(out);
    unlink(dat);
    return rc;
}

/* Per record: actual and both estimates (eval --records); cv (may be
 * NULL): each record's cross-validated estimates, as <target>_cv columns */
static int write_records(const char *path, const ff_dataset *d, const ff_surrogate *an, const ff_surrogate *learned,
                         const double (*cv)[FF_T__COUNT])
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ff_cli_fail(2, "surrogate eval: cannot write %s", path);
    fprintf(f, "id\tkind\tlayers\tsplit\tband");
    for (int k = 0; k < FF_T__COUNT; k++) {
        fprintf(f, "\t%s\t%s_analytical\t%s_learned", ff_target_names[k], ff_target_names[k], ff_target_names[k]);
        if (cv)
            fprintf(f, "\t%s_cv", ff_target_names[k]);
    }
    fprintf(f, "\n");
    for (int64_t i = 0; i < d->n; i++) {
        const ff_dsrec *r = &d->r[i];
        double ta[FF_T__COUNT], tl[FF_T__COUNT];
        ff_surrogate_network(an, r->l, r->nl, NULL, ta);
        ff_surrogate_network(learned, r->l, r->nl, NULL, tl);
        fprintf(f, "%s\t%s\t%d\t%s\t%s", r->id, r->network ? "network" : "layer", r->nl,
                eval_fold(r) == 0 ? "test" : "train", ff_band_class_names[ff_bands_record_class(r)]);
        for (int k = 0; k < FF_T__COUNT; k++) {
            fprintf(f, "\t%.6g\t%.6g\t%.6g", r->t[k], ta[k], tl[k]);
            if (cv)
                fprintf(f, "\t%.6g", cv[i][k]);
        }
        fprintf(f, "\n");
    }
    return fclose(f) ? ff_cli_fail(2, "surrogate eval: cannot write %s", path) : 0;
}

/* --bands: MODELDIR/bands.json from the cross-validated estimates */
static int write_bands(const char *dir, const ff_surrogate *learned, const ff_dataset *d, const double (*cv)[FF_T__COUNT],
                       int json)
{
    double (*act)[FF_T__COUNT] = ff_malloc(sizeof *act * (size_t)d->n);
    int *cls = ff_malloc(sizeof(int) * (size_t)d->n);
    for (int64_t i = 0; i < d->n; i++) {
        memcpy(act[i], d->r[i].t, sizeof act[i]);
        cls[i] = ff_bands_record_class(&d->r[i]);
    }
    ff_bands b;
    ff_bands_compute(cv, (const double (*)[FF_T__COUNT])act, cls, d->n, &b);
    snprintf(b.index_sha256, sizeof b.index_sha256, "%s", ff_surrogate_index_sha256(learned));
    free(act);
    free(cls);
    char path[4200], *js = ff_bands_json(&b);
    snprintf(path, sizeof path, "%s/%s", dir, FF_BANDS_FILE);
    ff_err e;
    int rc = ff_write_file_atomic(path, js, strlen(js), &e);
    free(js);
    if (rc)
        return ff_cli_err(&e);
    if (json)
        return 0;
    printf("wrote %s: actual / estimate of the cross-validated records, 90%% prediction interval\n", path);
    for (int c = 0; c < FF_BAND__COUNT; c++) {
        printf("  %-9s", ff_band_class_names[c]);
        int any = 0;
        for (int k = 0; k < FF_T_RES; k++)
            if (b.n[c][k]) {
                printf("  %s x%.3f-x%.3f (%lld)", ff_target_names[k], b.lo[c][k], b.hi[c][k], (long long)b.n[c][k]);
                any = 1;
            }
        printf(any ? "\n" : "  none (fewer than %d records)\n", FF_BANDS_MIN_N);
    }
    return 0;
}

static const char eval_usage[] = "fogforge surrogate eval DATASET MODELDIR [--plot FILE.svg] [--records FILE.tsv] [--cv] [--json] "
                                 "[--rounds N] "
                                 "[--depth D] [--eta X] [--seed S] [--decompose 0|1] [--mode auto|log|residual] [--analytical T,...] "
                                 "[--hash-weight S] [--parallel 0|1|2] [-q]";

static int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"plot", required_argument, 0, 'p'}, {"json", no_argument, 0, 'j'},
                                         {"records", required_argument, 0, 'R'}, {"cv", no_argument, 0, 'C'},
                                         {"bands", no_argument, 0, 'b'}, TRAIN_LONGOPTS, {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'}, {0}};
    ff_train_opts t;
    ff_train_opts_default(&t);
    const char *svg = NULL, *records = NULL;
    int c, json = 0, quiet = 0, cv = 0, bands = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (c == 'C')
            cv = 1;
        else if (c == 'b')
            bands = 1;
        else if (c == 'p')
            svg = optarg;
        else if (c == 'R')
            records = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'q')
            quiet = 1;
        else if (c == 'h') {
            printf("usage: %s\n\n"
                   "Accuracy of the surrogates on DATASET, per target (LUT, FF, DSP, BRAM18, latency, II):\n"
                   "SMAPE, MAPE, R^2, median and 90th-percentile absolute %% error, share within 10%%, share\n"
                   "exact; for the analytical model and the learned one, on these sets:\n"
                   "  all      every record, with MODELDIR as given (trained on them or not)\n"
                   "  random   a held-out fifth (by a hash of the record id), the learned model retrained\n"
                   "           on the other four fifths with the training options given here\n"
                   "  depth    networks of 4-6 multiply-accumulate layers, retrained on single layers and\n"
                   "           networks of at most 3\n"
                   "  cv       with --cv, 5-fold cross-validation: every record estimated by a model retrained\n"
                   "           on the four fifths it is not in (folds by the same hash as random, whose fifth\n"
                   "           is fold 0): the random split's figure over all records, less at the mercy of\n"
                   "           which designs one fifth holds (the analytical row equals all's: it is not trained)\n"
                   "  cv/CLASS the same, LUT only, for each class of error band: layer (a design of one layer),\n"
                   "           parallel (of one layer summing several products an output a cycle), network\n"
                   "--plot writes predicted-vs-actual scatter plots (gnuplot SVG) of the random split.\n"
                   "--records writes one line per record (tab-separated): id, kind, layers, the random\n"
                   "split it falls in, then per target the actual value and the analytical and learned\n"
                   "(MODELDIR) estimates: which designs an estimator gets wrong; with --cv also the\n"
                   "cross-validated estimate (<target>_cv: from the fold model that did not see the record).\n"
                   "--bands (with --cv) writes MODELDIR/" FF_BANDS_FILE ": per class of design (one layer, a network)\n"
                   "and resource, of actual / cross-validated estimate over its n records, the values of rank\n"
                   "floor(0.05 (n+1)) and ceil(0.95 (n+1)): a distribution-free 90%% prediction interval, which\n"
                   "`fogforge estimate` prints around its figures and `explore --margin auto` keeps in the budget.\n"
                   "The folds must be trained as MODELDIR was (the same training options; checked against its\n"
                   "index.json), and with --bands each fold trains every target as MODELDIR has it (a tree\n"
                   "of the same kind, or the analytical estimate), whatever --mode auto would pick on the\n"
                   "fold; `surrogate train` removes a model's old bands.\n",
                   eval_usage);
            return 0;
        } else {
            int rc = train_opts("eval", c, optarg, &t);
            if (rc == 1)
                return ff_cli_usage("surrogate eval", eval_usage);
            if (rc)
                return rc;
        }
    }
    if (optind != argc - 2)
        return ff_cli_usage("surrogate eval", eval_usage);
    if (bands && !cv)
        return ff_cli_fail(2, "surrogate eval: --bands needs --cv (the bands are the cross-validated errors)");
    if ((svg && !out_path_ok("--plot", svg)) || (records && !out_path_ok("--records", records)))
        return 2;
    ff_err e = {0};
    ff_surrogate *learned;
    if (ff_surrogate_open(argv[optind + 1], &learned, &e))
        return ff_cli_fail(2, "surrogate eval: %s", e.msg);
    char why[256];
    if (bands && !ff_surrogate_trained_like(learned, NULL, &t, why, sizeof why)) {
        ff_surrogate_free(learned);
        return ff_cli_fail(2, "surrogate eval: --bands: %s/index.json: %s; give eval the same options", argv[optind + 1], why);
    }
    /* the bands are the model's errors: every fold trains each target as
     * the model has it (a tree of its kind, or none), not as --mode auto
     * would choose on four fifths of the records */
    if (bands)
        ff_train_opts_fix_like(&t, learned);
    ff_dataset d;
    int rc = load_dataset("eval", argv[optind], &d, quiet);
    if (rc) {
        ff_surrogate_free(learned);
        return rc;
    }
    t.quiet = 1;
    ff_surrogate *an = ff_surrogate_analytic();
    int64_t *all = ff_malloc(sizeof(int64_t) * (size_t)d.n), *tr = ff_malloc(sizeof(int64_t) * (size_t)d.n),
            *te = ff_malloc(sizeof(int64_t) * (size_t)d.n);
    for (int64_t i = 0; i < d.n; i++)
        all[i] = i;
    int first = 1;
    if (json)
        printf("{\"dataset\": \"%s\", \"records\": %lld, \"skipped_lines\": %lld, \"metrics\": [", argv[optind],
               (long long)d.n, (long long)d.bad);
    else
        printf("%-11s %-10s %-8s %5s %8s %8s %7s %8s %8s %7s %7s\n", "split", "estimator", "target", "n", "SMAPE",
               "MAPE", "R2", "median", "p90", "<=10%", "exact");
    if (records && !cv && (rc = write_records(records, &d, an, learned, NULL)))
        goto out;
    pairs pp;
    pairs_eval(&pp, &d, all, d.n, an);
    print_metrics("all", "analytical", &pp, json, &first);
    pairs_free(&pp);
    pairs_eval(&pp, &d, all, d.n, learned);
    print_metrics("all", "learned", &pp, json, &first);
    pairs_free(&pp);
    /* the held-out splits' models: a temporary directory, removed with all
     * that training wrote in it */
    char tmpd[4096];
    snprintf(tmpd, sizeof tmpd, "%s/fogforge-eval-model-XXXXXX", ff_tmp_dir());
    if (!mkdtemp(tmpd)) {
        rc = ff_cli_fail(1, "surrogate eval: cannot create a temporary directory");
        goto out;
    }
    for (int split = 0; split < 2 && !rc; split++) {
        int64_t ntr = 0, nte = 0;
        for (int64_t i = 0; i < d.n; i++) {
            const ff_dsrec *r = &d.r[i];
            int test = split == 0 ? eval_fold(r) == 0 : (r->network && ff_dsrec_depth(r) >= 4);
            int train = split == 0 ? !test : (!r->network || ff_dsrec_depth(r) <= 3);
            if (test)
                te[nte++] = i;
            else if (train)
                tr[ntr++] = i;
        }
        const char *name = split == 0 ? "random" : "depth";
        if (nte == 0) {
            if (!json)
                printf("%-11s (no test records: the dataset has no %s)\n", name,
                       split ? "networks of 4-6 layers" : "record in the held-out fifth");
            continue;
        }
        ff_surrogate *m = NULL;
        if (ff_surrogate_train(&d, tr, ntr, &t, tmpd, &e) || ff_surrogate_open(tmpd, &m, &e)) {
            if (!json)
                printf("%-11s (cannot train on the %lld training records: %s)\n", name, (long long)ntr, e.msg);
            continue;
        }
        pairs_eval(&pp, &d, te, nte, an);
        print_metrics(name, "analytical", &pp, json, &first);
        pairs_free(&pp);
        pairs_eval(&pp, &d, te, nte, m);
        print_metrics(name, "learned", &pp, json, &first);
        if (split == 0 && svg) {
            rc = plot(svg, &pp, "held-out random fifth, learned surrogate");
            if (!rc && !json)
                printf("wrote %s\n", svg);
        }
        pairs_free(&pp);
        ff_surrogate_free(m);
    }
    if (cv && !rc) {
        /* every fold's model is trained on the other four: a record's
         * estimate never comes from a model that saw it */
        pairs_alloc(&pp, d.n);
        double (*cvp)[FF_T__COUNT] = ff_calloc((size_t)d.n, sizeof *cvp);
        int64_t folds = 0;
        for (int f = 0; f < 5; f++) {
            int64_t ntr = 0, nte = 0;
            for (int64_t i = 0; i < d.n; i++)
                if (eval_fold(&d.r[i]) == f)
                    te[nte++] = i;
                else
                    tr[ntr++] = i;
            if (nte == 0)
                continue;
            ff_surrogate *m = NULL;
            if (ff_surrogate_train(&d, tr, ntr, &t, tmpd, &e) || ff_surrogate_open(tmpd, &m, &e)) {
                if (!json)
                    printf("%-11s (cannot train fold %d on %lld records: %s)\n", "cv", f, (long long)ntr, e.msg);
                pp.n = 0;
                break;
            }
            if (bands && !ff_surrogate_trained_like(learned, m, NULL, why, sizeof why)) {
                ff_surrogate_free(m);
                rc = ff_cli_fail(2, "surrogate eval: --bands: fold %d is not trained as %s: %s; give eval the "
                                    "options it was trained with", f, argv[optind + 1], why);
                pp.n = 0;
                break;
            }
            pairs_add(&pp, &d, te, nte, m);
            for (int64_t i = 0; i < nte; i++)
                for (int k = 0; k < FF_T__COUNT; k++)
                    cvp[te[i]][k] = pp.p[k][pp.n - nte + i];
            ff_surrogate_free(m);
            folds++;
        }
        if (pp.n == d.n && folds > 1) {
            pairs an_pp;
            pairs_eval(&an_pp, &d, all, d.n, an);
            print_metrics("cv", "analytical", &an_pp, json, &first);
            print_metrics("cv", "learned", &pp, json, &first);
            print_class_metrics(&d, &an_pp, (const double (*)[FF_T__COUNT])cvp, json, &first);
            pairs_free(&an_pp);
        } else if (!json && pp.n == d.n)
            printf("%-11s (too few records for 5 folds)\n", "cv");
        if (records && !rc)
            rc = write_records(records, &d, an, learned, pp.n == d.n && folds > 1 ? (const double (*)[FF_T__COUNT])cvp : NULL);
        if (bands && !rc) {
            if (pp.n == d.n && folds > 1)
                rc = write_bands(argv[optind + 1], learned, &d, (const double (*)[FF_T__COUNT])cvp, json);
            else
                rc = ff_cli_fail(2, "surrogate eval: --bands: too few records for 5 folds");
        }
        free(cvp);
        pairs_free(&pp);
    }
    ff_rm_tree(tmpd);
out:
    if (json)
        printf("\n]}\n");
    free(all), free(tr), free(te);
    ff_surrogate_free(an);
    ff_surrogate_free(learned);
    ff_dataset_free(&d);
    return rc;
}

static const char cache_usage[] = "fogforge surrogate cache MODELDIR";

static int cmd_cache(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s\n\n"
               "Writes the binary cache (<target>.bin) of each XGBoost JSON model of MODELDIR that has none\n"
               "or whose cache no longer matches the JSON's size, mtime and ctime (after a checkout, a copy or\n"
               "an install). `surrogate train` writes the caches itself; the JSON stays the source of truth,\n"
               "and loading checks the cache against it (size and mtime/ctime, else its sha256).\n",
               cache_usage);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return ff_cli_usage("surrogate cache", cache_usage);
    ff_err e = {0};
    int n, cur;
    if (ff_surrogate_write_caches(argv[1], &n, &cur, &e))
        return ff_cli_err(&e);
    printf("fogforge: surrogate cache: %s: %d cache file(s) written, %d current\n", argv[1], n, cur);
    return 0;
}

static const char usage[] = "fogforge surrogate gen|train|eval|cache [options]   (fogforge surrogate CMD --help)";

int ff_cmd_surrogate(int argc, char **argv)
{
    if (argc < 2)
        return ff_cli_usage("surrogate", usage);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: %s\n\n  gen    generate the dataset (Yosys + Verilator ground truth)\n"
               "  train  train the learned per-layer surrogate (XGBoost) on a dataset\n"
               "  eval   accuracy of the analytical and learned surrogates: all, random and depth splits\n"
               "  cache  (re)write the binary caches of a model directory's trees\n",
               usage);
        return 0;
    }
    optind = 1;
    if (!strcmp(argv[1], "gen"))
        return cmd_gen(argc - 1, argv + 1);
    if (!strcmp(argv[1], "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval"))
        return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cache"))
        return cmd_cache(argc - 1, argv + 1);
    return ff_cli_fail(2, "surrogate: unknown subcommand '%s' (gen, train, eval, cache)", argv[1]);
}
