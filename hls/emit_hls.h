/* Internal to the HLS back-end (emit_hls*.c, cli/cmd_csim.c): the string
 * builder, the per-model naming context, and the pieces each file writes. */
#ifndef FF_EMIT_HLS_H
#define FF_EMIT_HLS_H
#include "emit.h"

#include <stdarg.h>

#include "strbuf.h"

/* Naming and layout shared by every generated file. */
typedef struct ff_hls {
    const ff_qmodel *q;
    const ff_gen_opts *o;
    char top[64];          /* core function: the model's name */
    char header[1024];     /* the comment every generated file opens with */
    char (*lname)[72];     /* per node: identifier of the layer */
    char (*tname)[80];     /* per tensor: C type name ("input_t", "fc1_t") */
    int *tvar;             /* per tensor: tensor whose buffer holds it (Reshape aliases) */
    int *layers;           /* nodes that become functions, in order */
    int nlayers;
    int64_t in_size, out_size;
    int max_reuse;
} ff_hls;

/* Nodes the HLS back-end turns into a function (Reshape/Identity are aliases). */
int ff_hls_is_layer(const ff_node *n);
/* Checks the model and fills the context (FF_EINPUT for what HLS cannot build). */
int ff_hls_init(ff_hls *h, const ff_qmodel *q, const ff_gen_opts *o, ff_err *e);
void ff_hls_free(ff_hls *h);

/* The header comment every generated file opens with (style "//", "#" or
 slash-star, which leaves the comment open for more lines). */
void ff_hls_comment(ff_sb *b, const ff_hls *h, const char *style, const char *what);

/* emit_hls_layers.c: firmware/weights/<layer>.h and firmware/layers.{h,cpp} */
int ff_hls_emit_layers(const ff_hls *h, ff_err *e);
/* emit_hls_flow.c: tb/, build_prj.tcl, Makefile, connectivity cfg, host/, README */
int ff_hls_emit_flow(const ff_hls *h, ff_err *e);
/* Test vectors: n inputs (N(0,1) features at three magnitudes, and a quarter
 * drawn from the whole input range) and the integer reference's outputs. */
void ff_hls_make_vectors(const ff_qmodel *q, int64_t n, uint64_t seed, int32_t **in, int32_t **out);
/* The full part name Vitis wants (xc7z020 -> xc7z020clg400-1). */
const char *ff_hls_full_part(const char *part);
/* Vitis platform a Makefile defaults to for a part (or a placeholder). */
const char *ff_hls_platform(const char *part);
#endif
