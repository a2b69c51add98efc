/* fogforge report: Vitis HLS (csynth XML) and Vivado (utilization) results of
 * a generated project, read back into the JSON shape `estimate` and `synth`
 * print, so real numbers can feed the surrogates. */
#include "cli.h"

#include "report.h"

#include <stdio.h>
#include <stdlib.h>

static const char report_usage[] = "fogforge report DIR|CSYNTH.xml [--top NAME] [-o OUT.json]";

int ff_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"top", required_argument, 0, 't'},
                                         {"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0}};
    const char *top = NULL, *out = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': top = optarg; break;
        case 'o': out = optarg; break;
        case 'h':
            printf("usage: %s\n\nFinds <top>_csynth.xml under DIR (Vitis HLS: solution*/syn/report/) and any\n"
                   "Vivado report_utilization report (*util*.rpt), and prints\n"
                   "  {\"design\", \"source\": \"vitis_hls\"|\"vivado\", \"total\": {\"lut\", \"ff\", \"dsp\", \"bram18\", \"uram\"},\n"
                   "   \"latency_cycles\", \"ii\", \"clock_ns\", ...}\n"
                   "the shape `fogforge estimate` and `fogforge synth` print. \"total\" comes from Vivado\n"
                   "when its report is there, from the HLS estimate otherwise (both are kept).\n"
                   "--top picks a design when DIR holds several (the IP and the kernel flows).\n",
                   report_usage);
            return 0;
        default: return ff_cli_usage("report", report_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("report", report_usage);
    ff_report r;
    ff_err e = {0};
    if (ff_report_load(argv[optind], top, &r, &e))
        return ff_cli_err(&e);
    char *json = ff_report_json(&r);
    int rc = 0;
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f || fprintf(f, "%s\n", json) < 0 || fclose(f) != 0)
            rc = ff_cli_fail(1, "report: cannot write %s", out);
    } else {
        printf("%s\n", json);
    }
    free(json);
    return rc;
}
