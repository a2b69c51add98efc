/* The calibration-range cache: what a min/max calibration run measured
 * (ff_calib_ranges) for one model and one set of inputs, kept in a file so
 * a later quantization of the same model, at any bit widths or reuse
 * factors, skips the float run (ff_model_load_quant with calib_cache). */
#ifndef FF_CALCACHE_H
#define FF_CALCACHE_H
#include "quant.h"

#include <stddef.h>

/* The key of (model, inputs): sha256 over fogforge's version, the model
 * file's sha256 (ff_graph.source_sha256), and the calibration inputs as
 * calibrated (co->samples' n x in_size floats, or "synthetic" and n). */
void ff_calib_cache_key(const char *source_sha256, const ff_calib_opts *co, int64_t in_size, char key[65]);
/* DIR/calib/KEY.bin: 1 and r filled (free it) when it is whole and of this
 * key; 0 otherwise (absent, cut short, another key, ranges no run leaves). */
int ff_calib_cache_load(const char *dir, const char key[65], ff_calib_ranges *r);
/* Best effort: a cache that cannot be written is only slower. */
void ff_calib_cache_store(const char *dir, const char key[65], const ff_calib_ranges *r);

/* The file's bytes: "FFCALIB1", uint32 tensors and nodes, the 64-hex key,
 * then per tensor min, per tensor max, per node max |pre-activation|
 * (doubles, native byte order). parse: 1 and r filled (free it) when data
 * is such a file of this key whose ranges a run can leave, else 0. */
int ff_calib_cache_parse(const char *data, size_t len, const char key[65], ff_calib_ranges *r);
char *ff_calib_cache_bytes(const char key[65], const ff_calib_ranges *r, size_t *len);
#endif
