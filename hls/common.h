/* Error reporting, checked allocation and small helpers shared by every module.
 * Functions return FF_OK (0) or an error code and fill an ff_err with what and
 * where; the CLI prints "fogforge: <msg>" and exits with the code. */
#ifndef FF_COMMON_H
#define FF_COMMON_H
#include <stddef.h>
#include <stdint.h>

/* Also declared (identically) by the public include/fogforge/fogforge.h. */
#ifndef FF_ERR_DEFINED
#define FF_ERR_DEFINED
enum {
    FF_OK = 0,
    FF_EINTERNAL = 1, /* our fault, or the system's (out of memory, I/O) */
    FF_EINPUT = 2,    /* bad input: file, config, option, message */
};

typedef struct ff_err {
    int code;
    char msg[512];
} ff_err;
#endif

/* Fills e (if not NULL) and returns code. printf-style. */
int ff_errf(ff_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes the existing message with "ctx: ". Returns e->code. */
int ff_err_prefix(ff_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Allocation that never returns NULL for a non-zero size: aborts on OOM,
 * which is the only failure we do not try to survive. */
void *ff_malloc(size_t n);
void *ff_calloc(size_t n, size_t sz);
void *ff_realloc(void *p, size_t n);
char *ff_strdup(const char *s);

/* a*b with overflow detection; returns 0 on overflow. */
int ff_mul_ok(int64_t a, int64_t b, int64_t *out);

/* Whole file into memory (NUL-terminated). Limit in bytes. */
int ff_read_file(const char *path, size_t limit, char **data, size_t *len, ff_err *e);
/* Writes atomically: a temp file beside path, then rename. */
int ff_write_file_atomic(const char *path, const void *data, size_t len, ff_err *e);
/* Removes path and, when it is a directory, everything under it (symbolic
 * links themselves, never their targets); 0, or -1 when something stayed. */
int ff_rm_tree(const char *path);
/* Where temporary files go: $TMPDIR when set and not empty, else /tmp. */
const char *ff_tmp_dir(void);

/* Lowercase hex sha256 of a buffer / a file (65 bytes with NUL). */
void ff_sha256_hex(const void *data, size_t len, char out[65]);
int ff_sha256_file(const char *path, char out[65], ff_err *e);

#endif
