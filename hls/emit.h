/* Back-ends: every emitter reads a quantized model (and nothing else) and
 * writes a project directory. Shared here: generation options, the table of
 * emitters, FPGA parts, and the reuse-factor rule. */
#ifndef FF_EMIT_H
#define FF_EMIT_H
#include "quant.h"

typedef struct ff_gen_opts {
    const char *outdir;
    const char *model_path; /* what the user passed (for headers) */
    const char *part;       /* resolved part name */
    double clock_ns;
    int io_stream;          /* --io stream (HLS) */
    int clock_set;          /* clock_ns was asked for (--clock): the RTL plan pipelines for it;
                             * otherwise the RTL keeps its fixed plan (3 adder levels a stage) */
    int slices;             /* --slices (rtl): a register slice at every layer boundary */
} ff_gen_opts;

typedef struct ff_emitter {
    const char *name;
    int (*emit)(const ff_qmodel *q, const ff_gen_opts *o, ff_err *e);
    const char *summary;
} ff_emitter;

extern const ff_emitter ff_emitter_hls; /* hls/emit_hls*.c */

/* The emitters, NULL-terminated (hls/emit.c). */
extern const ff_emitter *const ff_emitters[];
const ff_emitter *ff_emitter_find(const char *name);

typedef struct ff_part {
    const char *name;    /* e.g. "xc7z020" (a longer ordering code matches by prefix) */
    const char *family;  /* Yosys synth_xilinx -family: xc7, xcup, xcu */
    int64_t lut, ff, dsp, bram18;
} ff_part;

/* Looks a part up by name or ordering-code prefix; NULL when unknown. */
const ff_part *ff_part_find(const char *name);
/* Comma-separated list of known parts, for messages. */
const char *ff_part_names(void);
#define FF_DEFAULT_PART "xc7z020"
#define FF_DEFAULT_CLOCK_NS 5.0

/* Multiply-accumulate shape of a layer: n_in products per output, n_out
 * outputs per step (Dense: n_in, n_out; Conv: kh*kw*cin/group, cout; Scale: 1, n_ch). */
void ff_layer_mac_shape(const ff_graph *g, const ff_node *n, int64_t *n_in, int64_t *n_out);

/* Reuse rule (as hls4ml's): R is valid for a layer with n_in products per
 * output and n_out outputs when 1 <= R <= n_in*n_out and either R divides
 * n_in, or n_in divides R and R divides n_in*n_out. Returns 1 when valid;
 * otherwise fills e (FF_EINPUT) with the layer and the valid factors. */
int ff_reuse_check(const ff_graph *g, const ff_node *n, int reuse, ff_err *e);
/* The rule itself, for a layer of n_in products per output and total = n_in*n_out weights. */
int ff_reuse_valid(int64_t n_in, int64_t total, int64_t reuse);

/* Creates dir (and parents). */
int ff_mkdirs(const char *dir, ff_err *e);
/* Writes a text file DIR/rel (creating parent dirs). */
int ff_emit_file(const char *dir, const char *rel, const char *text, ff_err *e);

/* Identifier-safe version of a layer name ("dense_1", "fc1_relu"). */
void ff_ident(const char *in, char *out, size_t n);
#endif
