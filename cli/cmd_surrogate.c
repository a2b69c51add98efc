/* fogforge surrogate gen|train|eval: the resource and latency surrogates. */
#include "cli.h"

#include "dataset.h"
#include "emit.h"

#include <stdio.h>
#include <string.h>

static const char gen_usage[] = "fogforge surrogate gen --out DIR [--layers N] [--networks N] [-j JOBS] [--seed S] "
                                "[--timeout SEC] [--sim-every K] [--vectors N] [--max-mults M] [--max-cost C] [-q] [--dry-run] [--keep]";

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
        {"help", no_argument, 0, 'h'},           {0}};
    ff_dataset_opts o = {NULL, 1500, 150, 2, 1, 600, 1, 50, 256, 40000, 0, 0, 0};
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
        case 'q': o.quiet = 1; break;
        case 'n': o.dry_run = 1; break;
        case 'K': o.keep = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Generates random designs (single layers, then 2-6 layer networks), writes each as RTL,\n"
                   "synthesizes it with Yosys (xc7) and co-simulates every K-th with Verilator (0: none),\n"
                   "appending one JSON line per design to DIR/designs.jsonl. Designs already recorded are\n"
                   "skipped: stop with Ctrl-C and run again to resume. Defaults: 1500 layers, 150 networks,\n"
                   "-j 2, seed 1, timeout 600 s, K 1, 50 vectors, at most 256 multipliers per layer.\n"
                   "--max-cost C redraws designs whose synthesis cost (bits of weight/index ROM, input\n"
                   "muxes, multipliers and I/O registers; see docs/surrogates.md) exceeds C (default\n"
                   "40000, about a minute of Yosys; 0: no cap).\n"
                   "--keep leaves each design's project (RTL, Yosys log) in DIR/work/<id>.\n",
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
             "\n# effective: --layers %lld --networks %lld --seed %llu --timeout %d --sim-every %d --vectors %ld "
             "--max-mults %lld --max-cost %lld (fogforge %s)\n",
             (long long)o.layers, (long long)o.networks, (unsigned long long)o.seed, o.timeout_s, o.sim_every,
             o.vectors, (long long)o.max_mults, (long long)o.max_cost, FF_VERSION);
    char path[4096];
    snprintf(path, sizeof path, "%s/command.txt", o.out);
    if (ff_mkdirs(o.out, &e) || ff_write_file_atomic(path, cmd, strlen(cmd), &e))
        return ff_cli_err(&e);
    return ff_dataset_generate(&o, &e) ? ff_cli_err(&e) : 0;
}

static const char usage[] = "fogforge surrogate gen|train|eval [options]   (fogforge surrogate CMD --help)";

int ff_cmd_surrogate(int argc, char **argv)
{
    if (argc < 2)
        return ff_cli_usage("surrogate", usage);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: %s\n\n  gen    generate the dataset (Yosys + Verilator ground truth)\n", usage);
        return 0;
    }
    optind = 1;
    if (!strcmp(argv[1], "gen"))
        return cmd_gen(argc - 1, argv + 1);
    return ff_cli_fail(2, "surrogate: unknown subcommand '%s' (gen)", argv[1]);
}
