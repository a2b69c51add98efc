/* key=value structured log lines on stderr, one event per line, written with
 * a single stdio call so lines from different threads never interleave. */
#include "fog_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fog_err.h"

static int min_level = FF_FOG_LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error", "off"};

void ff_fog_log_set_level(int level) { min_level = level; }

int ff_fog_log_parse_level(const char *s, int *level)
{
    for (int i = 0; i <= FF_FOG_LOG_OFF; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *level = i;
            return FF_FOG_OK;
        }
    return FF_FOG_EINPUT;
}

void ff_fog_log(int level, const char *comp, const char *event, const char *fmt, ...)
{
    if (level < min_level || level < 0 || level >= FF_FOG_LOG_OFF) return;
    char line[1024];
    uint64_t us = ff_fog_wall_us();
    int n = snprintf(line, sizeof line, "ts=%llu.%06llu level=%s comp=%s event=%s", (unsigned long long)(us / 1000000u),
                     (unsigned long long)(us % 1000000u), names[level], comp, event);
    if (n < 0) return;
    if (fmt && (size_t)n < sizeof line - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0) n += m;
    }
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    line[n] = 0;
    fputs(line, stderr);
}
