/* Which tensor elements a synthesized design keeps: Yosys removes logic
 * whose value reaches no output (a channel the next layer reads only
 * through zero weights) and folds logic whose value never changes (an
 * output whose every weight is zero). The RTL writes both; the resource
 * models count only what is kept. */
#ifndef FF_LIVE_H
#define FF_LIVE_H
#include "quant.h"

typedef struct ff_live {
    int nt;
    uint8_t **vary; /* per tensor element: depends on the graph input (NULL for constants) */
    uint8_t **need; /* per tensor element: reaches the graph output through nonzero weights */
} ff_live;

/* Forward (varying) and backward (needed) propagation over the graph:
 * element by element through Dense/Conv/Scale (by their nonzero weights),
 * activations, Reshape and Add/Sub; channel by channel through pooling;
 * other ops pass "any" to every element (conservative: keeps all). */
void ff_live_compute(const ff_qmodel *q, ff_live *l);
void ff_live_free(ff_live *l);
/* 1 when output element k of node ni is kept (needed and varying) */
int ff_live_out(const ff_live *l, const ff_qmodel *q, int ni, int64_t k);
#endif
