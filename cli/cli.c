/* Option parsing and error printing shared by every subcommand. */
#include "cli.h"

#include "quant.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ff_cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fogforge: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int ff_cli_err(const ff_err *e)
{
    return ff_cli_fail(e->code ? e->code : FF_EINTERNAL, "%s", e->msg);
}

int ff_cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        ff_cli_fail(FF_EINPUT, "%s: %s wants an integer in %ld..%ld, got '%s'", cmd, opt, lo, hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

int ff_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        ff_cli_fail(FF_EINPUT, "%s: %s wants a number in %g..%g, got '%s'", cmd, opt, lo, hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

int ff_cli_usage(const char *cmd, const char *usage)
{
    return ff_cli_fail(FF_EINPUT, "%s: bad arguments; usage: %s (see fogforge %s --help)", cmd, usage, cmd);
}

int ff_cli_io(const char *cmd, const char *s)
{
    if (!strcmp(s, "parallel") || !strcmp(s, "stream"))
        return !strcmp(s, "stream");
    ff_cli_fail(2, "%s: --io wants parallel or stream, got '%s'", cmd, s);
    return -1;
}

int ff_cli_io_mode(const char *config, int io, int *io_stream, int *slices)
{
    *io_stream = io > 0;
    if (!config || (io >= 0 && !slices))
        return 0;
    /* the configuration's Model.io, unless --io says otherwise, and its Model.slices */
    ff_err e = {0};
    ff_qconfig *cf;
    if (ff_qconfig_load(config, &cf, &e))
        return ff_cli_err(&e);
    if (io < 0)
        *io_stream = ff_qconfig_io(cf) == 2;
    if (slices && ff_qconfig_slices(cf))
        *slices = 1;
    ff_qconfig_free(cf);
    return 0;
}
