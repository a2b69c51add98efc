/* fogforge sim: Verilator co-simulation of an rtl project against the
 * integer reference (sim/sim.c). */
#include "cli.h"

#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char sim_usage[] = "fogforge sim DIR [--vectors N | --input IN] [--seed S] [--stall PCT] "
                                "[--trace FILE.fst] [--lib] [--cache DIR] [--opt -O0|-O1|-Os] [--netlist] [--json]";

int ff_cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vectors", required_argument, 0, 'n'}, {"input", required_argument, 0, 'i'},
        {"seed", required_argument, 0, 's'},    {"stall", required_argument, 0, 'S'},
        {"trace", required_argument, 0, 't'},   {"lib", no_argument, 0, 'l'},
        {"cache", required_argument, 0, 'c'},   {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
        {"opt", required_argument, 0, 'O'},     {"netlist", no_argument, 0, 'N'},
        {0}};
    ff_sim_opts o = {0};
    o.vectors = 1000;
    o.stall_pct = 30;
    int json = 0, lib_only = 0, netlist = 0, c;
    long v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!ff_cli_long("sim", "--vectors", optarg, 1, 100000000, &v))
                return 2;
            o.vectors = v;
            break;
        case 'i': o.input = optarg; break;
        case 's':
            if (!ff_cli_long("sim", "--seed", optarg, 0, 0x7fffffffL, &v))
                return 2;
            o.seed = (uint64_t)v;
            break;
        case 'S':
            if (!ff_cli_long("sim", "--stall", optarg, 0, 90, &v))
                return 2;
            o.stall_pct = (int)v;
            break;
        case 't': o.trace = optarg; break;
        case 'l': lib_only = 1; break;
        case 'c': o.cache = optarg; break;
        case 'O': o.cxxopt = optarg; break;
        case 'N': netlist = 1; break;
        case 'j': json = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Builds DIR (from fogforge gen --backend rtl) with Verilator (cached by content hash under\n"
                   "DIR/.build or --cache), drives N random input vectors (default 1000; or the samples of IN)\n"
                   "with random valid/ready stalls (--stall PCT, default 30%%), checks every output bit for bit\n"
                   "against the integer reference on DIR/model.ffq, and measures latency (cycles from the input\n"
                   "beat to the output beat) and II. --trace writes an FST waveform. --lib only builds the\n"
                   "C-callable shared library (sim/ffsim.h) and prints its path. --opt sets the C++\n"
                   "optimization of the Verilated model (default " FF_SIM_CXXOPT_DEFAULT "; -O0 builds fastest but simulates ~10x slower).\n"
                   "--netlist simulates the gate-level netlist fogforge synth wrote (DIR/.build/synth_xc7/netlist.v,\n"
                   "with Yosys's Xilinx cell models) instead of the RTL: a post-synthesis check that what Yosys\n"
                   "counted still computes the design.\n",
                   sim_usage);
            return 0;
        default: return ff_cli_usage("sim", sim_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("sim", sim_usage);
    o.dir = argv[optind];
    char netpath[4200];
    if (netlist) {
        ff_synth_netlist_path(o.dir, "xc7", netpath, sizeof netpath);
        o.netlist = netpath;
    }
    ff_err e = {0};
    if (lib_only) {
        char lib[4096];
        int cached;
        double secs;
        if (ff_sim_build_net(o.dir, o.netlist, o.cache, o.trace != NULL, o.cxxopt, o.quiet || json, lib, sizeof lib,
                             &cached, &secs, &e))
            return ff_cli_err(&e);
        if (json)
            printf("{\"lib\": \"%s\", \"cached\": %s, \"build_seconds\": %.2f}\n", lib, cached ? "true" : "false",
                   secs);
        else
            printf("%s\n", lib);
        return 0;
    }
    ff_sim_result r;
    o.quiet = o.quiet || json;
    if (ff_sim_run(&o, &r, &e))
        return ff_cli_err(&e);
    int ok = r.mismatches == 0 && r.latency == r.exp_latency && r.ii == r.exp_ii;
    if (json) {
        printf("{\"design\": \"%s\", \"source\": \"verilator\", \"vectors\": %ld, \"mismatches\": %ld, "
               "\"bit_exact\": %s, \"latency_cycles\": %d, \"ii\": %d, \"expected_latency_cycles\": %d, "
               "\"expected_ii\": %d, \"cycles\": %llu, \"samples_per_second\": %.1f, \"build_seconds\": %.2f, "
               "\"cached\": %s, \"lib\": \"%s\", \"netlist\": %s}\n",
               r.design, r.vectors, r.mismatches, r.mismatches ? "false" : "true", r.latency, r.ii, r.exp_latency,
               r.exp_ii, (unsigned long long)r.cycles, r.samples_per_second, r.build_seconds,
               r.cached ? "true" : "false", r.lib, netlist ? "true" : "false");
    } else {
        printf("design:     %s%s\n", r.design, netlist ? " (Yosys's netlist from fogforge synth)" : "");
        printf("vectors:    %ld with random valid/ready stalls, %ld mismatches%s\n", r.vectors, r.mismatches,
               r.mismatches ? "" : " (bit-exact with the integer reference)");
        printf("latency:    %d cycles (manifest: %d)\n", r.latency, r.exp_latency);
        printf("II:         %d (manifest: %d)\n", r.ii, r.exp_ii);
        printf("speed:      %.0f samples/s (Verilator, full rate)\n", r.samples_per_second);
        if (o.trace)
            printf("trace:      %s\n", o.trace);
    }
    if (r.mismatches)
        return ff_cli_fail(1, "sim: %s: %ld of %ld vectors differ from the integer reference; first: %s", r.design,
                           r.mismatches, r.vectors, r.first_mismatch);
    if (!ok)
        return ff_cli_fail(1, "sim: %s: measured latency %d / II %d differ from the manifest's %d / %d", r.design,
                           r.latency, r.ii, r.exp_latency, r.exp_ii);
    return 0;
}
