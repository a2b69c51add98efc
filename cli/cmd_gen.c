/* fogforge gen: write an accelerator project with one of the back-ends. */
#include "cli.h"

#include "emit.h"
#include "model.h"

#include <stdio.h>
#include <string.h>

static const char gen_usage[] = "fogforge gen MODEL --backend NAME [--config CONFIG.json] [--reuse N] "
                                "[--part PART] [--clock NS] [--io parallel|stream] [--slices] -o DIR";

int ff_cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"backend", required_argument, 0, 'b'}, {"config", required_argument, 0, 'q'},
        {"reuse", required_argument, 0, 'R'},   {"part", required_argument, 0, 'p'},
        {"clock", required_argument, 0, 'k'},   {"io", required_argument, 0, 'I'},
        {"output", required_argument, 0, 'o'},  {"wbits", required_argument, 0, 'W'},
        {"abits", required_argument, 0, 'A'},   {"calib", required_argument, 0, 'c'},
        {"slices", no_argument, 0, 'S'},        {"help", no_argument, 0, 'h'},
        {0}};
    ff_quant_opts qo = {0};
    ff_gen_opts go = {0};
    int io = -1;
    const char *backend = NULL, *part = FF_DEFAULT_PART;
    go.clock_ns = FF_DEFAULT_CLOCK_NS;
    long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': backend = optarg; break;
        case 'q': qo.config = optarg; break;
        case 'c': qo.calib = optarg; break;
        case 'R':
            if (!ff_cli_long("gen", "--reuse", optarg, 1, 1 << 20, &v))
                return 2;
            qo.reuse = (int)v;
            break;
        case 'W':
            if (!ff_cli_long("gen", "--wbits", optarg, 2, 16, &v))
                return 2;
            qo.wbits = (int)v;
            break;
        case 'A':
            if (!ff_cli_long("gen", "--abits", optarg, 2, 16, &v))
                return 2;
            qo.abits = (int)v;
            break;
        case 'p': part = optarg; break;
        case 'k':
            if (!ff_cli_double("gen", "--clock", optarg, 0.5, 1000, &go.clock_ns))
                return 2;
            go.clock_set = 1;
            break;
        case 'I':
            if ((io = ff_cli_io("gen", optarg)) < 0)
                return 2;
            break;
        case 'o': go.outdir = optarg; break;
        case 'S': go.slices = 1; break;
        case 'h':
            printf("usage: %s\n\nback-ends:\n", gen_usage);
            for (int i = 0; ff_emitters[i]; i++)
                printf("  %-8s %s\n", ff_emitters[i]->name, ff_emitters[i]->summary);
            printf("\nMODEL is an .onnx (quantized on the fly with --config/--wbits/--abits/--calib)\n"
                   "or an .ffq. --reuse sets the reuse factor of every layer (overrides the config).\n"
                   "--io stream (or \"io\": \"stream\" in the config's Model section) streams one pixel per\n"
                   "beat (rtl: line-buffer Conv/pooling, docs/rtl.md); --io overrides the config.\n"
                   "Parts: %s (default %s). Clock in ns (default %g); with --clock the rtl back-end (io\n"
                   "parallel) chooses its pipeline stages for that period (without it: its fixed plan).\n"
                   "--slices (rtl, io parallel) puts a register slice (2-entry FIFO, registered ready) at every\n"
                   "layer boundary: +1 cycle each, LUT RAM for two entries of the boundary's bits, and no\n"
                   "combinational ready chain through the layers (docs/rtl.md, \"Register slices\").\n",
                   ff_part_names(), FF_DEFAULT_PART, FF_DEFAULT_CLOCK_NS);
            return 0;
        default:
            return ff_cli_usage("gen", gen_usage);
        }
    }
    if (optind != argc - 1 || !backend || !go.outdir)
        return ff_cli_usage("gen", gen_usage);
    const ff_emitter *em = ff_emitter_find(backend);
    if (!em) {
        char names[128] = "";
        for (int i = 0; ff_emitters[i]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     ff_emitters[i]->name);
        return ff_cli_fail(2, "gen: unknown backend '%s' (known: %s)", backend, names[0] ? names : "none");
    }
    if (go.slices && strcmp(em->name, "rtl"))
        return ff_cli_fail(2, "gen: --slices applies to --backend rtl (the %s back-end has its own streams)", em->name);
    const ff_part *pt = ff_part_find(part);
    if (!pt)
        return ff_cli_fail(2, "gen: unknown part '%s' (known: %s)", part, ff_part_names());
    go.part = part;
    go.model_path = argv[optind];
    ff_err e = {0};
    /* the config's Model.slices shapes the RTL; other back-ends ignore it */
    int rc0 = ff_cli_io_mode(qo.config, io, &go.io_stream, !strcmp(em->name, "rtl") ? &go.slices : NULL);
    if (rc0)
        return rc0;
    ff_qmodel *q;
    if (ff_model_load_quant(argv[optind], &qo, &q, &e))
        return ff_cli_err(&e);
    int rc = em->emit(q, &go, &e);
    ff_qmodel_free(q);
    if (rc)
        return ff_cli_err(&e);
    fprintf(stderr, "fogforge: wrote %s project in %s\n", em->name, go.outdir);
    return 0;
}
