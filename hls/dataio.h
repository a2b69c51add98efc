/* Sample files: text (one sample per line, whitespace-separated numbers,
 * flattened in the model's input layout, like hls4ml's tb_input_features.dat)
 * and .npy (float32/float64/int32, [samples, features] or N-D with a leading
 * sample axis), chosen by extension. */
#ifndef FF_DATAIO_H
#define FF_DATAIO_H
#include "common.h"

typedef struct ff_samples {
    float *data;   /* n * width */
    int64_t n, width;
} ff_samples;

/* Reads samples of `width` values each (width <= 0: take the file's). */
int ff_samples_read(const char *path, int64_t width, ff_samples *out, ff_err *e);
int ff_samples_parse_text(const char *buf, size_t len, const char *where, int64_t width, ff_samples *out, ff_err *e);
int ff_samples_parse_npy(const unsigned char *buf, size_t len, const char *where, int64_t width, ff_samples *out, ff_err *e);
void ff_samples_free(ff_samples *s);

/* Writers: text with %.9g floats, or raw integers; .npy when path ends in .npy.
 * path "-" or NULL writes text to stdout. */
int ff_samples_write_float(const char *path, const float *v, int64_t n, int64_t width, ff_err *e);
int ff_samples_write_int(const char *path, const int32_t *v, int64_t n, int64_t width, ff_err *e);
#endif
