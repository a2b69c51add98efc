/* The calibration-range cache (calcache.h). */
#include "calcache.h"

#include "common.h"
#include "emit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "FFCALIB1"
#define HEAD (8 + 8 + 64)

void ff_calib_cache_key(const char *source_sha256, const ff_calib_opts *co, int64_t in_size, char key[65])
{
    char inputs[65] = "synthetic", text[512];
    if (co->samples)
        ff_sha256_hex(co->samples, sizeof(float) * (size_t)(co->n * in_size), inputs);
    snprintf(text, sizeof text, "fogforge %s calibration ranges\nmodel %s\ninputs %s %lld seed %llu\n", FF_VERSION,
             source_sha256, inputs, (long long)co->n, (unsigned long long)co->seed);
    ff_sha256_hex(text, strlen(text), key);
}

int ff_calib_cache_parse(const char *data, size_t len, const char key[65], ff_calib_ranges *r)
{
    memset(r, 0, sizeof *r);
    uint32_t nt, nn;
    if (len < HEAD || memcmp(data, MAGIC, 8) || memcmp(data + 16, key, 64))
        return 0;
    memcpy(&nt, data + 8, 4);
    memcpy(&nn, data + 12, 4);
    if (nt >= (1u << 24) || nn >= (1u << 24) || len != HEAD + 8 * (2 * (size_t)nt + nn))
        return 0;
    ff_calib_ranges_alloc(r, (int)nt, (int)nn);
    const char *p = data + HEAD;
    memcpy(r->tmin, p, 8 * (size_t)nt);
    memcpy(r->tmax, p + 8 * (size_t)nt, 8 * (size_t)nt);
    memcpy(r->pabs, p + 16 * (size_t)nt, 8 * (size_t)nn);
    /* what a run can leave: a range, or none (a tensor never seen) */
    int ok = 1;
    for (uint32_t i = 0; i < nt && ok; i++)
        ok = (isfinite(r->tmin[i]) && isfinite(r->tmax[i]) && r->tmin[i] <= r->tmax[i]) ||
             (r->tmin[i] == INFINITY && r->tmax[i] == -INFINITY);
    for (uint32_t i = 0; i < nn && ok; i++)
        ok = isfinite(r->pabs[i]) && r->pabs[i] >= 0;
    if (!ok)
        ff_calib_ranges_free(r);
    return ok;
}

char *ff_calib_cache_bytes(const char key[65], const ff_calib_ranges *r, size_t *len)
{
    *len = HEAD + 8 * (2 * (size_t)r->nt + (size_t)r->nn);
    char *b = ff_malloc(*len);
    uint32_t nt = (uint32_t)r->nt, nn = (uint32_t)r->nn;
    memcpy(b, MAGIC, 8);
    memcpy(b + 8, &nt, 4);
    memcpy(b + 12, &nn, 4);
    memcpy(b + 16, key, 64);
    char *p = b + HEAD;
    memcpy(p, r->tmin, 8 * (size_t)nt);
    memcpy(p + 8 * (size_t)nt, r->tmax, 8 * (size_t)nt);
    memcpy(p + 16 * (size_t)nt, r->pabs, 8 * (size_t)nn);
    return b;
}

int ff_calib_cache_load(const char *dir, const char key[65], ff_calib_ranges *r)
{
    char path[1200], *data;
    size_t len;
    ff_err e = {0};
    memset(r, 0, sizeof *r);
    snprintf(path, sizeof path, "%s/calib/%s.bin", dir, key);
    if (ff_read_file(path, (size_t)1 << 28, &data, &len, &e))
        return 0;
    int ok = ff_calib_cache_parse(data, len, key, r);
    free(data);
    return ok;
}

void ff_calib_cache_store(const char *dir, const char key[65], const ff_calib_ranges *r)
{
    char sub[1200], path[1300];
    ff_err e = {0};
    snprintf(sub, sizeof sub, "%s/calib", dir);
    if (ff_mkdirs(sub, &e))
        return;
    snprintf(path, sizeof path, "%s/%s.bin", sub, key);
    size_t len;
    char *b = ff_calib_cache_bytes(key, r, &len);
    ff_write_file_atomic(path, b, len, &e);
    free(b);
}
