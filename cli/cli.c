/* Option parsing and error printing shared by every subcommand. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
