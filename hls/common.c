/* Error reporting, checked allocation, file helpers and sha256 (libcrypto). */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
/* SHA256_Init/Update/Final: deprecated in OpenSSL 3 but still there, and
 * free of the EVP layer's provider lookup, which costs ~6M instructions on
 * the first digest of a process (more than `fogforge estimate` spends on
 * everything else). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ff_errf(ff_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

int ff_err_prefix(ff_err *e, const char *fmt, ...)
{
    if (!e)
        return FF_EINTERNAL;
    char pre[256], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t n = strlen(pre);
    if (n > sizeof e->msg - 3)
        n = sizeof e->msg - 3;
    memcpy(e->msg, pre, n);
    e->msg[n] = ':';
    e->msg[n + 1] = ' ';
    size_t room = sizeof e->msg - n - 2;
    size_t m = strnlen(old, room - 1);
    memcpy(e->msg + n + 2, old, m);
    e->msg[n + 2 + m] = 0;
    return e->code;
}

static void oom(size_t n)
{
    fprintf(stderr, "fogforge: out of memory (%zu bytes)\n", n);
    abort();
}

void *ff_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *ff_calloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        oom(n * sz);
    return p;
}

void *ff_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *ff_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ff_malloc(n);
    memcpy(d, s, n);
    return d;
}

int ff_mul_ok(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return 0;
    *out = r;
    return 1;
}

int ff_read_file(const char *path, size_t limit, char **data, size_t *len, ff_err *e)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ff_errf(e, FF_EINPUT, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ff_errf(e, FF_EINPUT, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > limit) {
        fclose(f);
        return ff_errf(e, FF_EINPUT, "%s: file too large (%lld bytes, limit %zu)", path,
                       (long long)st.st_size, limit);
    }
    size_t n = (size_t)st.st_size;
    char *buf = ff_malloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        return ff_errf(e, FF_EINTERNAL, "%s: read error", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return FF_OK;
}

int ff_write_file_atomic(const char *path, const void *data, size_t len, ff_err *e)
{
    size_t n = strlen(path) + 32;
    char *tmp = ff_malloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int rc = ff_errf(e, FF_EINPUT, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int rc = ff_errf(e, FF_EINTERNAL, "writing %s: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return rc;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int rc = ff_errf(e, FF_EINTERNAL, "writing %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return FF_OK;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

void ff_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(md, &c);
    hex(md, SHA256_DIGEST_LENGTH, out);
}

int ff_sha256_file(const char *path, char out[65], ff_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ff_errf(e, FF_EINPUT, "cannot open %s: %s", path, strerror(errno));
    SHA256_CTX c;
    SHA256_Init(&c);
    unsigned char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        SHA256_Update(&c, buf, got);
    int bad = ferror(f);
    fclose(f);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &c);
    if (bad)
        return ff_errf(e, FF_EINTERNAL, "%s: read error", path);
    hex(md, SHA256_DIGEST_LENGTH, out);
    return FF_OK;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) && errno != ENOENT ? -1 : 0;
}

int ff_rm_tree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

const char *ff_tmp_dir(void)
{
    const char *t = getenv("TMPDIR");
    return t && t[0] ? t : "/tmp";
}
