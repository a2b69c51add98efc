/* Error codes and error-buffer convention shared by the fog runtime.
 * Every fallible function returns one of these and, on failure, writes
 * "what: where" into the caller's buffer (FF_FOG_ERRLEN bytes). */
#ifndef FF_FOG_ERR_H
#define FF_FOG_ERR_H
#include <stddef.h>

#define FF_FOG_ERRLEN 256

enum ff_fog_rc {
    FF_FOG_OK = 0,
    FF_FOG_EINPUT = -1,   /* malformed or out-of-range input (user's fault) */
    FF_FOG_ESYS = -2,     /* system or library failure */
    FF_FOG_EFULL = -3,    /* a bounded queue is full */
    FF_FOG_ETIMEOUT = -4, /* an operation did not finish in time */
    FF_FOG_ENOMEM = -5,   /* allocation failed or a size budget was exceeded */
};

/* Writes a formatted message into err (may be NULL) and returns rc. */
int ff_fog_fail(char *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic and wall clocks in microseconds / nanoseconds. */
#include <stdint.h>
uint64_t ff_fog_mono_ns(void);
uint64_t ff_fog_wall_us(void);

/* Latency statistics: sort ascending, then the q-quantile (nearest rank). */
void ff_fog_sort_doubles(double *v, size_t n);
double ff_fog_percentile(const double *sorted, size_t n, double q);
#endif
