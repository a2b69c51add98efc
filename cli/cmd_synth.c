/* fogforge synth: Yosys synthesis of an rtl project and its resource counts
 * (sim/synth.c). */
#include "cli.h"

#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char synth_usage[] = "fogforge synth DIR [--family xc7|xcu|xcup] [--json]";

int ff_cmd_synth(int argc, char **argv)
{
    static const struct option opts[] = {{"family", required_argument, 0, 'f'},
                                         {"json", no_argument, 0, 'j'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0}};
    ff_synth_opts o = {0};
    int json = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': o.family = optarg; break;
        case 'j': json = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Synthesizes DIR (from fogforge gen --backend rtl) with Yosys: synth_xilinx -family FAMILY\n"
                   "-flatten -noiopad (default xc7, the family to trust: Yosys 0.23 leaves UltraScale DSP\n"
                   "packing undone). Reports LUT, FF, DSP48, BRAM18/36, CARRY and a critical-path estimate from\n"
                   "Yosys' sta (cell delays only, no placement or routing).\n",
                   synth_usage);
            return 0;
        default: return ff_cli_usage("synth", synth_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("synth", synth_usage);
    o.dir = argv[optind];
    o.quiet = o.quiet || json;
    ff_synth_result r;
    ff_err e = {0};
    if (ff_synth_run(&o, &r, &e))
        return ff_cli_err(&e);
    long bram18 = r.bram18 + 2 * r.bram36;
    if (json) {
        printf("{\"design\": \"%s\", \"source\": \"yosys\", \"family\": \"%s\", \"total\": {\"lut\": %ld, \"ff\": %ld, "
               "\"dsp\": %ld, \"bram18\": %ld, \"bram36\": %ld, \"carry\": %ld, \"lutram\": %ld}, \"latency_cycles\": %d, "
               "\"ii\": %d, "
               "\"clock_ns\": %g, \"critical_path_ns_estimate\": %.3f, \"seconds\": %.2f}\n",
               r.design, r.family, r.lut, r.ff, r.dsp, bram18, r.bram36, r.carry, r.lutram, r.latency, r.ii, r.clock_ns,
               r.critical_path_ns, r.seconds);
        return 0;
    }
    printf("design:   %s (Yosys synth_xilinx -family %s, %.1f s)\n", r.design, r.family, r.seconds);
    printf("LUT:      %ld (of which %ld as distributed RAM / shift registers)\nFF:       %ld\nDSP48:    %ld\n"
           "BRAM18:   %ld (RAMB36: %ld, counted as 2 each)\nCARRY:    %ld\n",
           r.lut, r.lutram, r.ff, r.dsp, bram18, r.bram36, r.carry);
    printf("latency:  %d cycles, II %d (manifest)\n", r.latency, r.ii);
    printf("critical path: %.2f ns (estimate: Yosys sta cell delays, no routing; clock target %g ns)\n",
           r.critical_path_ns, r.clock_ns);
    return 0;
}
