/* Shared pieces of the fogforge command line. */
#ifndef FF_CLI_H
#define FF_CLI_H
#include "common.h"

#include <getopt.h>

/* Prints "fogforge: <msg>" on stderr and returns code. */
int ff_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the error and returns its code. */
int ff_cli_err(const ff_err *e);
/* Parses an integer option value in [lo, hi]; on failure prints and returns 0. */
int ff_cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int ff_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
/* getopt_long wrapper state reset; prints the standard message for unknown
 * options / missing values and returns 2 via ff_cli_usage. */
int ff_cli_usage(const char *cmd, const char *usage);

/* --io parallel|stream: 1 for stream, 0 for parallel; -1 after printing
 * the error (exit 2). */
int ff_cli_io(const char *cmd, const char *s);
/* The I/O mode gen, estimate and bundle create use: --io when given
 * (io >= 0), else the configuration's Model.io, else parallel; and
 * *slices (when not NULL) to 1 if the configuration's Model.slices is true
 * (left as is otherwise: --slices). Returns 0 or the error code after
 * printing it. */
int ff_cli_io_mode(const char *config, int io, int *io_stream, int *slices);

/* Command entry points (argv[0] is the command name). */
int ff_cmd_inspect(int argc, char **argv);
int ff_cmd_run(int argc, char **argv);
int ff_cmd_quantize(int argc, char **argv);
int ff_cmd_gen(int argc, char **argv);
int ff_cmd_csim(int argc, char **argv);   /* cli/cmd_csim.c */
int ff_cmd_report(int argc, char **argv); /* cli/cmd_report.c */
int ff_cmd_imu(int argc, char **argv);
int ff_cmd_surrogate(int argc, char **argv);
int ff_cmd_estimate(int argc, char **argv); /* cli/cmd_estimate.c */
int ff_cmd_explore(int argc, char **argv);  /* cli/cmd_explore.c */
/* Opens --surrogate DIR|analytical, or the default learned model (the
 * analytical one, said on stderr, when none is installed); prints and
 * returns 2 on a broken model. */
struct ff_surrogate;
int ff_cli_surrogate(const char *cmd, const char *opt, struct ff_surrogate **out);
int ff_cmd_sim(int argc, char **argv);
int ff_cmd_synth(int argc, char **argv);
int ff_cmd_bundle(int argc, char **argv);
int ff_cmd_devices(int argc, char **argv);
int ff_cmd_infer(int argc, char **argv);
int ff_cmd_bench(int argc, char **argv);
#endif
