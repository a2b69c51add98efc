/* Live-element analysis of a quantized graph for the resource models: what
 * Yosys keeps of the RTL after removing unread and constant logic. */
#include "live.h"

#include "rtl_dot.h"

#include <stdlib.h>
#include <string.h>

static int64_t tsize(const ff_qmodel *q, int ti)
{
    return ff_tensor_size(&q->g->t[ti]);
}

/* channels-last: the channel of element k */
static int64_t chan(const ff_tensor *t, int64_t k)
{
    return k % t->dims[t->rank - 1];
}

static int any(const uint8_t *a, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (a[i])
            return 1;
    return 0;
}

static int elementwise(ff_op op)
{
    return op == FF_OP_ACT || op == FF_OP_RESHAPE || op == FF_OP_IDENTITY;
}

static int is_pool(ff_op op)
{
    return op == FF_OP_MAXPOOL || op == FF_OP_AVGPOOL || op == FF_OP_GMAXPOOL || op == FF_OP_GAVGPOOL;
}

static int is_dot(ff_op op)
{
    return op == FF_OP_DENSE || op == FF_OP_CONV || op == FF_OP_SCALE;
}

/* per channel of x: any flagged element; the caller frees */
static uint8_t *per_channel(const ff_tensor *t, const uint8_t *a)
{
    int64_t C = t->dims[t->rank - 1], n = ff_tensor_size(t);
    uint8_t *c = ff_calloc((size_t)(C ? C : 1), 1);
    for (int64_t k = 0; k < n; k++)
        c[chan(t, k)] |= a[k];
    return c;
}

static void forward(const ff_qmodel *q, int ni, ff_live *l)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    uint8_t *y = l->vary[n->out], *x = l->vary[n->in[0]];
    int64_t ny = tsize(q, n->out), nx = tsize(q, n->in[0]);
    if (!x)
        return; /* a constant input: nothing varies */
    if (is_dot(n->op) && q->qn[ni].qw && q->qn[ni].cfg.reuse > 1) {
        /* at R > 1 an output's accumulator holds its value from cycle to
         * cycle: it is kept while one multiplier it reads is built (has a
         * nonzero weight), even when its own weights on that multiplier are
         * zero (a multiplier serving outputs in turn). An output reading no
         * built multiplier is its bias, a register without reset that Yosys
         * folds with its requantization (flow 2; the dataset's L000022: 19
         * such outputs of 40, and 19 DSPs fewer than counting them). */
        ff_rtl_dot d;
        ff_rtl_dot_build(q, ni, q->qn[ni].cfg.reuse, &d);
        uint8_t *built = ff_calloc((size_t)(d.nmult ? d.nmult : 1), 1);
        for (int64_t u = 0; u < d.nu; u++)
            for (int64_t j = 0; j < d.u[u].nt; j++)
                if (d.u[u].t[j].w != 0 && d.u[u].t[j].mult >= 0 && d.u[u].t[j].mult < d.nmult)
                    built[d.u[u].t[j].mult] = 1;
        for (int64_t u = 0; u < d.nu && u < ny; u++)
            for (int64_t j = 0; j < d.u[u].nt && !y[u]; j++)
                y[u] = d.u[u].t[j].mult >= 0 && d.u[u].t[j].mult < d.nmult && built[d.u[u].t[j].mult];
        free(built);
        ff_rtl_dot_free(&d);
    } else if (is_dot(n->op) && q->qn[ni].qw) {
        ff_rtl_dot d;
        ff_rtl_dot_build(q, ni, 1, &d);
        for (int64_t u = 0; u < d.nu && u < ny; u++)
            for (int64_t j = 0; j < d.u[u].nt && !y[u]; j++)
                y[u] = d.u[u].t[j].w != 0 && x[d.u[u].t[j].x];
        ff_rtl_dot_free(&d);
    } else if (elementwise(n->op) && nx == ny) {
        memcpy(y, x, (size_t)ny);
    } else if ((n->op == FF_OP_ADD || n->op == FF_OP_SUB) && n->n_in == 2 && l->vary[n->in[1]] &&
               tsize(q, n->in[1]) == ny && nx == ny) {
        const uint8_t *x1 = l->vary[n->in[1]];
        for (int64_t k = 0; k < ny; k++)
            y[k] = x[k] | x1[k];
    } else if (is_pool(n->op) && g->t[n->in[0]].dims[g->t[n->in[0]].rank - 1] == g->t[n->out].dims[g->t[n->out].rank - 1]) {
        uint8_t *c = per_channel(&g->t[n->in[0]], x);
        for (int64_t k = 0; k < ny; k++)
            y[k] = c[chan(&g->t[n->out], k)];
        free(c);
    } else {
        int v = 0;
        for (int i = 0; i < n->n_in && !v; i++)
            if (l->vary[n->in[i]])
                v = any(l->vary[n->in[i]], tsize(q, n->in[i]));
        memset(y, v, (size_t)ny);
    }
}

static void backward(const ff_qmodel *q, int ni, ff_live *l)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const uint8_t *y = l->need[n->out], *vy = l->vary[n->out];
    uint8_t *x = l->need[n->in[0]];
    int64_t ny = tsize(q, n->out), nx = tsize(q, n->in[0]);
    if (!y)
        return;
    if (is_dot(n->op) && q->qn[ni].qw) {
        if (!x)
            return;
        /* at R > 1 a shared multiplier reads, through its input mux, the
         * inputs of every output it serves: all of them stay while one of
         * those outputs does */
        int R = q->qn[ni].cfg.reuse > 1 ? q->qn[ni].cfg.reuse : 1;
        ff_rtl_dot d;
        ff_rtl_dot_build(q, ni, R, &d);
        uint8_t *mlive = R > 1 ? ff_calloc((size_t)(d.nmult ? d.nmult : 1), 1) : NULL;
        for (int64_t u = 0; u < d.nu && u < ny; u++)
            if (y[u] && vy[u])
                for (int64_t j = 0; j < d.u[u].nt; j++)
                    if (d.u[u].t[j].w != 0) {
                        if (!mlive)
                            x[d.u[u].t[j].x] = 1;
                        else if (d.u[u].t[j].mult >= 0 && d.u[u].t[j].mult < d.nmult)
                            mlive[d.u[u].t[j].mult] = 1;
                    }
        if (mlive)
            for (int64_t u = 0; u < d.nu; u++)
                for (int64_t j = 0; j < d.u[u].nt; j++) {
                    const ff_rtl_term *t = &d.u[u].t[j];
                    if (t->w != 0 && t->mult >= 0 && t->mult < d.nmult && mlive[t->mult])
                        x[t->x] = 1;
                }
        free(mlive);
        ff_rtl_dot_free(&d);
    } else if (elementwise(n->op) && nx == ny) {
        for (int64_t k = 0; k < ny; k++)
            x[k] |= y[k];
    } else if ((n->op == FF_OP_ADD || n->op == FF_OP_SUB) && n->n_in == 2 && l->need[n->in[1]] &&
               tsize(q, n->in[1]) == ny && nx == ny) {
        uint8_t *x1 = l->need[n->in[1]];
        for (int64_t k = 0; k < ny; k++) {
            x[k] |= y[k];
            x1[k] |= y[k];
        }
    } else if (is_pool(n->op) && g->t[n->in[0]].dims[g->t[n->in[0]].rank - 1] == g->t[n->out].dims[g->t[n->out].rank - 1]) {
        uint8_t *c = per_channel(&g->t[n->out], y);
        for (int64_t k = 0; k < nx; k++)
            x[k] |= c[chan(&g->t[n->in[0]], k)];
        free(c);
    } else if (any(y, ny)) {
        for (int i = 0; i < n->n_in; i++)
            if (l->need[n->in[i]])
                memset(l->need[n->in[i]], 1, (size_t)tsize(q, n->in[i]));
    }
}

void ff_live_compute(const ff_qmodel *q, ff_live *l)
{
    const ff_graph *g = q->g;
    l->nt = g->nt;
    l->vary = ff_calloc((size_t)(g->nt ? g->nt : 1), sizeof *l->vary);
    l->need = ff_calloc((size_t)(g->nt ? g->nt : 1), sizeof *l->need);
    for (int t = 0; t < g->nt; t++)
        if (!g->t[t].data) {
            int64_t n = ff_tensor_size(&g->t[t]);
            l->vary[t] = ff_calloc((size_t)(n ? n : 1), 1);
            l->need[t] = ff_calloc((size_t)(n ? n : 1), 1);
        }
    if (l->vary[g->input])
        memset(l->vary[g->input], 1, (size_t)tsize(q, g->input));
    if (l->need[g->output])
        memset(l->need[g->output], 1, (size_t)tsize(q, g->output));
    for (int i = 0; i < g->nn; i++)
        forward(q, i, l);
    for (int i = g->nn - 1; i >= 0; i--)
        backward(q, i, l);
}

void ff_live_free(ff_live *l)
{
    for (int t = 0; t < l->nt; t++) {
        free(l->vary[t]);
        free(l->need[t]);
    }
    free(l->vary);
    free(l->need);
    memset(l, 0, sizeof *l);
}

int ff_live_out(const ff_live *l, const ff_qmodel *q, int ni, int64_t k)
{
    int t = q->g->n[ni].out;
    return l->vary[t] && l->need[t] && l->vary[t][k] && l->need[t][k];
}
