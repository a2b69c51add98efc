/* The fogforge command: git-style subcommands, one table. */
#include "cli.h"
#include "fog_cmds.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"inspect", ff_cmd_inspect, "show the layers after optimization: shapes, parameters, MACs, what was folded"},
    {"run", ff_cmd_run, "run the float reference or the bit-exact integer reference on samples"},
    {"quantize", ff_cmd_quantize, "quantize a model to integer-only arithmetic and write an .ffq file"},
    {"gen", ff_cmd_gen, "generate an accelerator project (rtl, hls, opencl back-ends)"},
    {"sim", ff_cmd_sim, "co-simulate an rtl project with Verilator, bit-exact against the integer reference"},
    {"synth", ff_cmd_synth, "synthesize an rtl project with Yosys: LUT/FF/DSP/BRAM, critical-path estimate"},
    {"csim", ff_cmd_csim, "C simulation of a generated HLS project with g++, bit for bit against the reference"},
    {"report", ff_cmd_report, "read Vitis HLS / Vivado reports of a project into fogforge's resource JSON"},
    {"bundle", ff_cmd_bundle, "create, verify, list bundles (a model + its accelerators); add an xclbin"},
    {"devices", ff_cmd_devices, "list the runtime's backends (cpu, opencl, verilator, xrt) and why any is unavailable"},
    {"infer", ff_cmd_infer, "run a bundle on a backend over samples"},
    {"bench", ff_cmd_bench, "measure a bundle's throughput, latency and runtime overhead on a backend"},
    {"edge", ff_cmd_edge, "serve inference tasks from MQTT on this node's accelerators (fog tier)"},
    {"cloud", ff_cmd_cloud, "serve tasks forwarded over ZeroMQ (cloud tier)"},
    {"robot", ff_cmd_robot, "a device agent: stream sensor windows, schedule and offload each task"},
    {"surrogate", ff_cmd_surrogate, "surrogate models: generate the dataset, train, evaluate"},
    {"estimate", ff_cmd_estimate, "estimate LUT/FF/DSP/BRAM, latency and II of the RTL design in microseconds"},
    {"explore", ff_cmd_explore, "search reuse factors and bit widths for the latency/resource front under a budget"},
    {"eval", ff_cmd_eval, "compare offloading policies on one fleet scenario (load, failures, emulated links)"},
    {"net", ff_cmd_net, "hold up the emulated network of eval (namespaces, shaped links) for processes you start (root)"},
    {"monitor", ff_cmd_monitor, "live one-screen status of a fleet: per tier tasks/s, p50/p99, misses; nodes up/down"},
    {"imu", ff_cmd_imu, "write windows of the demo's IMU workload (features or raw) with labels"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fogforge <command> [options]   (fogforge <command> --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-10s %s\n  %-10s %s\n", "help", "this list, or: fogforge help <command>", "version",
            "print the version");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc >= 3 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(commands[i].name, argv[2])) {
                    char *av[] = {argv[2], "--help", NULL};
                    return commands[i].run(2, av);
                }
            return ff_cli_fail(2, "help: unknown command '%s'", argv[2]);
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("fogforge %s\n", FF_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name)) {
            optind = 1;
            return commands[i].run(argc - 1, argv + 1);
        }
    return ff_cli_fail(2, "unknown command '%s' (see fogforge help)", name);
}
