/* Reading and writing sample files (text and .npy). */
#include "dataio.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FF_MAX_SAMPLE_FILE ((size_t)1 << 31)

void ff_samples_free(ff_samples *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int ff_samples_parse_text(const char *buf, size_t len, const char *where, int64_t width, ff_samples *out, ff_err *e)
{
    memset(out, 0, sizeof *out);
    int64_t cap = 0, count = 0, line = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *q = p;
        while (q < eol && isspace((unsigned char)*q))
            q++;
        if (q == eol || *q == '#') {
            p = eol + 1;
            continue;
        }
        int64_t fields = 0;
        while (q < eol) {
            char tok[64];
            size_t tl = 0;
            while (q < eol && !isspace((unsigned char)*q)) {
                if (tl < sizeof tok - 1)
                    tok[tl] = *q;
                tl++;
                q++;
            }
            fields++;
            if (tl >= sizeof tok) {
                ff_samples_free(out);
                return ff_errf(e, FF_EINPUT, "%s:%lld: field %lld is not a number (too long)", where,
                               (long long)line, (long long)fields);
            }
            tok[tl] = 0;
            char *ep;
            errno = 0;
            double v = strtod(tok, &ep);
            if (*ep || ep == tok || !isfinite(v) || fabs(v) > 3.4e38) {
                ff_samples_free(out);
                return ff_errf(e, FF_EINPUT, "%s:%lld: field %lld '%s' is not a finite number", where,
                               (long long)line, (long long)fields, tok);
            }
            if (count == cap) {
                cap = cap ? cap * 2 : 1024;
                out->data = ff_realloc(out->data, (size_t)cap * sizeof(float));
            }
            out->data[count++] = (float)v;
            while (q < eol && isspace((unsigned char)*q))
                q++;
        }
        if (width <= 0 && out->n == 0)
            width = fields;
        if (fields != width) {
            ff_samples_free(out);
            return ff_errf(e, FF_EINPUT, "%s:%lld: expected %lld values, got %lld", where, (long long)line,
                           (long long)width, (long long)fields);
        }
        out->n++;
        p = eol + 1;
    }
    if (out->n == 0) {
        ff_samples_free(out);
        return ff_errf(e, FF_EINPUT, "%s: no samples", where);
    }
    out->width = width;
    return FF_OK;
}

/* Minimal parser of the .npy header dict. */
static int npy_header(const char *h, size_t hl, const char *where, char *descr, int *fortran, int64_t *shape,
                      int *rank, ff_err *e)
{
    char buf[1024];
    if (hl >= sizeof buf)
        return ff_errf(e, FF_EINPUT, "%s: .npy header too long", where);
    memcpy(buf, h, hl);
    buf[hl] = 0;
    const char *d = strstr(buf, "'descr'"), *f = strstr(buf, "'fortran_order'"), *s = strstr(buf, "'shape'");
    if (!d || !f || !s)
        return ff_errf(e, FF_EINPUT, "%s: .npy header lacks descr, fortran_order or shape", where);
    if (sscanf(d, "'descr' : '%7[^']'", descr) != 1 && sscanf(d, "'descr': '%7[^']'", descr) != 1)
        return ff_errf(e, FF_EINPUT, "%s: cannot read the .npy descr", where);
    const char *fv = f + strlen("'fortran_order'");
    while (*fv == ' ' || *fv == ':')
        fv++;
    *fortran = strncmp(fv, "True", 4) == 0;
    const char *lp = strchr(s, '(');
    const char *rp = lp ? strchr(lp, ')') : NULL;
    if (!lp || !rp)
        return ff_errf(e, FF_EINPUT, "%s: cannot read the .npy shape", where);
    *rank = 0;
    for (const char *q = lp + 1; q < rp;) {
        while (q < rp && (isspace((unsigned char)*q) || *q == ','))
            q++;
        if (q >= rp)
            break;
        char *ep;
        long long v = strtoll(q, &ep, 10);
        if (ep == q || v < 0 || *rank >= 8)
            return ff_errf(e, FF_EINPUT, "%s: bad .npy shape", where);
        shape[(*rank)++] = v;
        q = ep;
    }
    return FF_OK;
}

int ff_samples_parse_npy(const unsigned char *buf, size_t len, const char *where, int64_t width, ff_samples *out, ff_err *e)
{
    memset(out, 0, sizeof *out);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return ff_errf(e, FF_EINPUT, "%s: not a .npy file (bad magic)", where);
    int major = buf[6];
    size_t hl, off;
    if (major == 1) {
        hl = (size_t)buf[8] | (size_t)buf[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return ff_errf(e, FF_EINPUT, "%s: truncated .npy header", where);
        hl = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        off = 12;
    } else {
        return ff_errf(e, FF_EINPUT, "%s: unsupported .npy version %d", where, major);
    }
    if (hl > len - off)
        return ff_errf(e, FF_EINPUT, "%s: truncated .npy header", where);
    char descr[8] = {0};
    int fortran = 0, rank = 0;
    int64_t shape[8];
    int rc = npy_header((const char *)buf + off, hl, where, descr, &fortran, shape, &rank, e);
    if (rc)
        return rc;
    if (fortran)
        return ff_errf(e, FF_EINPUT, "%s: Fortran-ordered .npy is not supported (save with C order)", where);
    int esz;
    if (!strcmp(descr, "<f4"))
        esz = 4;
    else if (!strcmp(descr, "<f8"))
        esz = 8;
    else if (!strcmp(descr, "<i4"))
        esz = -4;
    else
        return ff_errf(e, FF_EINPUT, "%s: .npy dtype '%s' not supported (float32, float64, int32)", where, descr);
    if (rank < 1)
        return ff_errf(e, FF_EINPUT, "%s: .npy must have a leading sample axis", where);
    int64_t n = shape[0], w = 1;
    for (int i = 1; i < rank; i++)
        if (!ff_mul_ok(w, shape[i], &w) || w > ((int64_t)1 << 28))
            return ff_errf(e, FF_EINPUT, "%s: .npy shape too large", where);
    int64_t total;
    if (!ff_mul_ok(n, w, &total) || total > ((int64_t)1 << 30))
        return ff_errf(e, FF_EINPUT, "%s: .npy shape too large", where);
    size_t need = (size_t)total * (size_t)(esz < 0 ? -esz : esz);
    size_t data_off = off + hl;
    if (len - data_off != need)
        return ff_errf(e, FF_EINPUT, "%s: .npy holds %zu data bytes, shape needs %zu", where, len - data_off, need);
    if (width > 0 && w != width)
        return ff_errf(e, FF_EINPUT, "%s: samples have %lld values, the model wants %lld", where, (long long)w,
                       (long long)width);
    if (n == 0)
        return ff_errf(e, FF_EINPUT, "%s: no samples", where);
    out->data = ff_malloc((size_t)total * sizeof(float));
    const unsigned char *d = buf + data_off;
    for (int64_t i = 0; i < total; i++) {
        double v;
        if (esz == 4) {
            float f;
            memcpy(&f, d + 4 * i, 4);
            v = f;
        } else if (esz == 8) {
            memcpy(&v, d + 8 * i, 8);
        } else {
            int32_t k;
            memcpy(&k, d + 4 * i, 4);
            v = k;
        }
        if (!isfinite(v) || fabs(v) > 3.4e38) {
            ff_samples_free(out);
            return ff_errf(e, FF_EINPUT, "%s: sample %lld value %lld is not a finite float32", where,
                           (long long)(i / w), (long long)(i % w));
        }
        out->data[i] = (float)v;
    }
    out->n = n;
    out->width = w;
    return FF_OK;
}

int ff_samples_read(const char *path, int64_t width, ff_samples *out, ff_err *e)
{
    char *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    int rc = ff_read_file(path, FF_MAX_SAMPLE_FILE, &buf, &len, e);
    if (rc)
        return rc;
    if (ends_with(path, ".npy"))
        rc = ff_samples_parse_npy((const unsigned char *)buf, len, path, width, out, e);
    else
        rc = ff_samples_parse_text(buf, len, path, width, out, e);
    free(buf);
    return rc;
}

/* Growable output buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = ff_realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void npy_header_out(sbuf *b, const char *descr, int64_t n, int64_t w)
{
    char dict[256];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%lld, %lld), }",
                      descr, (long long)n, (long long)w);
    int total = 10 + dl + 1;
    int pad = (64 - total % 64) % 64;
    unsigned hl = (unsigned)(dl + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 255), (unsigned char)(hl >> 8)};
    sb_add(b, pre, 10);
    sb_add(b, dict, (size_t)dl);
    for (int i = 0; i < pad; i++)
        sb_add(b, " ", 1);
    sb_add(b, "\n", 1);
}

static int emit(const char *path, sbuf *b, ff_err *e)
{
    int rc = FF_OK;
    if (!path || !strcmp(path, "-")) {
        if (fwrite(b->p, 1, b->n, stdout) != b->n || fflush(stdout))
            rc = ff_errf(e, FF_EINTERNAL, "writing to stdout failed");
    } else {
        rc = ff_write_file_atomic(path, b->p, b->n, e);
    }
    free(b->p);
    return rc;
}

int ff_samples_write_float(const char *path, const float *v, int64_t n, int64_t width, ff_err *e)
{
    sbuf b = {0};
    if (path && ends_with(path, ".npy")) {
        npy_header_out(&b, "<f4", n, width);
        sb_add(&b, v, (size_t)(n * width) * sizeof(float));
    } else {
        char num[32];
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = 0; k < width; k++) {
                int l = snprintf(num, sizeof num, "%.9g%c", (double)v[i * width + k], k + 1 == width ? '\n' : ' ');
                sb_add(&b, num, (size_t)l);
            }
    }
    return emit(path, &b, e);
}

int ff_samples_write_int(const char *path, const int32_t *v, int64_t n, int64_t width, ff_err *e)
{
    sbuf b = {0};
    if (path && ends_with(path, ".npy")) {
        npy_header_out(&b, "<i4", n, width);
        sb_add(&b, v, (size_t)(n * width) * sizeof(int32_t));
    } else {
        char num[32];
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = 0; k < width; k++) {
                int l = snprintf(num, sizeof num, "%d%c", v[i * width + k], k + 1 == width ? '\n' : ' ');
                sb_add(&b, num, (size_t)l);
            }
    }
    return emit(path, &b, e);
}
