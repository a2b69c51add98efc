/* Structured logging for the fog daemons: one key=value line per event on
 * stderr, e.g. `ts=1700000000.123456 level=info comp=edge event=task_done id=7`. */
#ifndef FF_FOG_LOG_H
#define FF_FOG_LOG_H

enum ff_fog_log_level { FF_FOG_LOG_DEBUG = 0, FF_FOG_LOG_INFO = 1, FF_FOG_LOG_WARN = 2, FF_FOG_LOG_ERROR = 3, FF_FOG_LOG_OFF = 4 };

/* Lines below this level are dropped (default FF_FOG_LOG_INFO). */
void ff_fog_log_set_level(int level);
int ff_fog_log_parse_level(const char *s, int *level);
/* fmt continues the line with more key=value pairs (may be NULL). */
void ff_fog_log(int level, const char *comp, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#endif
