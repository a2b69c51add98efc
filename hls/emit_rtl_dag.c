/* RTL back-end, branching graphs (io parallel): which bus feeds each layer
 * input, the FIFOs that let a short branch wait for a long one at full
 * rate, and the handshake model that gives the design's exact latency and
 * II (the DAG twin of ff_rtl_stream_timing; docs/rtl.md, "Branches"). */
#include "emit_rtl.h"

#include <stdlib.h>
#include <string.h>

int ff_rtl_dag_critical(ff_rtl_plan *p)
{
    int out = 0;
    for (int k = 0; k < p->nl; k++) {
        ff_rtl_layer *L = &p->l[k];
        int a = 0;
        for (int j = 0; j < L->nsrc; j++) {
            int s = L->src[j], as = (s ? p->l[s - 1].arrive : 0) + L->slice[j];
            if (as > a)
                a = as;
        }
        L->arrive = a + L->latency;
        if (k + 1 == p->out_bus)
            out = L->arrive;
    }
    return out;
}

/* ---- the handshake model: each block's valid/ready logic as in its Verilog ---- */

typedef struct {
    char *vld;      /* output valid pipeline (PIPE: latency stages; DOTR: 1 + requantization split) */
    int depth;
    ff_rtl_dotr_sim d; /* DOTR */
    int64_t fcnt[FF_MAX_IN]; /* FIFO entries per input */
    int ev[FF_MAX_IN], er[FF_MAX_IN]; /* consumer side of input j: valid, ready */
    int fv[FF_MAX_IN], fr[FF_MAX_IN]; /* fork side (before the FIFO): valid, ready */
    int fslot[FF_MAX_IN]; /* the input's bit in its source's fork (-1: the source has one consumer) */
} blk;

typedef struct {
    const ff_rtl_plan *p;
    int unbounded;
    blk *b;
    int *bv, *br;        /* per bus: valid, ready */
    int *nc;             /* per bus: consumer inputs */
    unsigned char *done; /* per bus x consumer: the eager fork's delivered bits */
    int maxc;
    int *occ;
} dmodel;

static int dotr(const ff_rtl_layer *L)
{
    return L->kind == FF_RTL_DOT && L->reuse > 1;
}

static void dm_reset(dmodel *m)
{
    const ff_rtl_plan *p = m->p;
    for (int k = 0; k < p->nl; k++) {
        blk *b = &m->b[k];
        memset(b->vld, 0, (size_t)b->depth + 1);
        memset(b->fcnt, 0, sizeof b->fcnt);
        ff_rtl_dotr_sim_reset(&b->d);
    }
    memset(m->done, 0, (size_t)(p->nl + 1) * (size_t)m->maxc);
}

/* One clock edge with the design input valid `in_valid` and the output
 * always ready. */
static void dm_step(dmodel *m, int in_valid, int *taken, int *given)
{
    const ff_rtl_plan *p = m->p;
    int nl = p->nl;
    /* valid forward, in layer order (a bus is driven before it is read) */
    m->bv[0] = in_valid;
    for (int k = 0; k < nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        blk *b = &m->b[k];
        for (int j = 0; j < L->nsrc; j++) {
            int s = L->src[j];
            b->fv[j] = m->bv[s] && (b->fslot[j] < 0 || !m->done[s * m->maxc + b->fslot[j]]);
            b->ev[j] = L->fifo[j] ? b->fcnt[j] > 0 : b->fv[j];
        }
        if (L->kind == FF_RTL_WIRE)
            m->bv[k + 1] = b->ev[0];
        else
            m->bv[k + 1] = b->vld[b->depth - 1];
    }
    /* ready backward: a bus's consumers come after its producer */
    for (int s = nl; s >= 0; s--) {
        int r = s == p->out_bus;
        if (m->nc[s]) {
            r = 1;
            for (int k = s; k < nl; k++) {
                const ff_rtl_layer *L = &p->l[k];
                for (int j = 0; j < L->nsrc; j++)
                    if (L->src[j] == s)
                        r = r && (m->b[k].fslot[j] < 0 ? m->b[k].fr[j]
                                                        : (m->done[s * m->maxc + m->b[k].fslot[j]] || m->b[k].fr[j]));
            }
        }
        m->br[s] = r;
        if (s == 0)
            break;
        /* the inputs of the layer driving bus s */
        int k = s - 1;
        const ff_rtl_layer *L = &p->l[k];
        blk *b = &m->b[k];
        int adv = !b->vld[b->depth - 1] || r, all = 1;
        for (int j = 0; j < L->nsrc; j++)
            all = all && b->ev[j];
        for (int j = 0; j < L->nsrc; j++) {
            if (L->kind == FF_RTL_WIRE)
                b->er[j] = r;
            else if (dotr(L))
                b->er[j] = adv && ff_rtl_dotr_sim_ready(&b->d);
            else if (L->nsrc > 1)
                b->er[j] = adv && all;
            else
                b->er[j] = adv;
            b->fr[j] = L->fifo[j] ? (m->unbounded || b->fcnt[j] < L->fifo[j]) : b->er[j];
        }
    }
    *taken = in_valid && m->br[0];
    *given = m->bv[p->out_bus];
    /* clock edge: forks */
    for (int s = 0; s <= nl; s++) {
        if (m->nc[s] < 2)
            continue;
        unsigned char *d = m->done + s * m->maxc;
        if (m->bv[s] && m->br[s]) {
            memset(d, 0, (size_t)m->maxc);
            continue;
        }
        for (int k = s; k < nl; k++)
            for (int j = 0; j < p->l[k].nsrc; j++)
                if (p->l[k].src[j] == s && m->b[k].fv[j] && m->b[k].fr[j])
                    d[m->b[k].fslot[j]] = 1;
    }
    /* FIFOs and layers */
    for (int k = 0; k < nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        blk *b = &m->b[k];
        for (int j = 0; j < L->nsrc; j++) {
            if (!L->fifo[j])
                continue;
            b->fcnt[j] += (b->fv[j] && b->fr[j]) - (b->ev[j] && b->er[j]);
            if (m->occ && b->fcnt[j] > m->occ[k * FF_MAX_IN + j])
                m->occ[k * FF_MAX_IN + j] = (int)b->fcnt[j];
        }
        if (L->kind == FF_RTL_WIRE)
            continue;
        int D = b->depth, adv = !b->vld[D - 1] || m->br[k + 1];
        if (!adv)
            continue;
        int first;
        if (dotr(L)) {
            first = ff_rtl_dotr_sim_step(&b->d, b->ev[0] && b->er[0]);
        } else {
            first = 1;
            for (int j = 0; j < L->nsrc; j++)
                first = first && b->ev[j];
        }
        memmove(b->vld + 1, b->vld, (size_t)(D - 1));
        b->vld[0] = (char)first;
    }
}

void ff_rtl_dag_timing(const ff_rtl_plan *p, int unbounded, int *latency, int *ii, int *ii_steady, int *occ)
{
    dmodel m = {p, unbounded, ff_calloc((size_t)p->nl + 1, sizeof(blk)), ff_calloc((size_t)p->nl + 1, sizeof(int)),
                ff_calloc((size_t)p->nl + 1, sizeof(int)), ff_calloc((size_t)p->nl + 1, sizeof(int)), NULL, 1, occ};
    for (int k = 0; k < p->nl; k++)
        for (int j = 0; j < p->l[k].nsrc; j++)
            m.nc[p->l[k].src[j]]++;
    for (int s = 0; s <= p->nl; s++)
        if (m.nc[s] > m.maxc)
            m.maxc = m.nc[s];
    m.done = ff_calloc((size_t)(p->nl + 1) * (size_t)m.maxc, 1);
    int *slot = ff_calloc((size_t)p->nl + 1, sizeof(int));
    for (int k = 0; k < p->nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        blk *b = &m.b[k];
        b->depth = L->kind == FF_RTL_WIRE ? 1 : dotr(L) ? 1 + L->pipe.rq_split : L->latency;
        b->vld = ff_calloc((size_t)b->depth + 1, 1);
        if (dotr(L))
            ff_rtl_dotr_sim_init(&b->d, L->tree_stages, L->reuse);
        for (int j = 0; j < L->nsrc; j++)
            b->fslot[j] = m.nc[L->src[j]] > 1 ? slot[L->src[j]]++ : -1;
    }
    free(slot);
    if (occ)
        memset(occ, 0, (size_t)p->nl * FF_MAX_IN * sizeof *occ);
    /* 1. latency: one sample into the empty design */
    dm_reset(&m);
    int64_t cyc = 0, t0 = -1, nin = 0, nout = 0, guard = 0;
    int taken, given;
    while (nout < 1 && guard++ < 100000000) {
        dm_step(&m, nin < 1, &taken, &given);
        cyc++;
        if (taken && nin++ == 0)
            t0 = cyc;
        nout += given;
    }
    *latency = (int)(cyc - t0);
    /* 2. II: a burst at full rate, as fogforge sim measures it (12 samples,
     * the interval over the second half). A longer burst (its queues reach
     * their steady state; the first 12 samples are taken at the same
     * cycles as in the short one) gives the FIFO occupancy and the
     * steady-state II (rounded up). */
    const int burst = 12;
    int64_t total = occ || ii_steady ? ff_rtl_steady_burst(*latency) : burst;
    int64_t *tk = ff_calloc((size_t)total, sizeof *tk);
    dm_reset(&m);
    cyc = nin = nout = guard = 0;
    while (nout < total && guard++ < 1000000000) {
        dm_step(&m, nin < total, &taken, &given);
        cyc++;
        if (taken)
            tk[nin++] = cyc;
        nout += given;
    }
    *ii = (int)((tk[burst - 1] - tk[burst / 2]) / (burst - 1 - burst / 2));
    if (ii_steady) {
        int64_t n = total - 1 - total / 2;
        *ii_steady = (int)((tk[total - 1] - tk[total / 2] + n - 1) / n);
    }
    free(tk);
    for (int k = 0; k < p->nl; k++) {
        free(m.b[k].vld);
        ff_rtl_dotr_sim_free(&m.b[k].d);
    }
    free(m.b);
    free(m.bv);
    free(m.br);
    free(m.nc);
    free(m.done);
}

int ff_rtl_dag_build(ff_rtl_plan *p, ff_err *e)
{
    const ff_graph *g = p->q->g;
    int *bus = ff_malloc((size_t)g->nt * sizeof *bus), *uses = ff_calloc((size_t)p->nl + 1, sizeof *uses);
    for (int t = 0; t < g->nt; t++)
        bus[t] = -1;
    bus[g->input] = 0;
    int rc = FF_OK;
    for (int k = 0; k < p->nl && !rc; k++) {
        ff_rtl_layer *L = &p->l[k];
        const ff_node *n = &g->n[L->ni];
        L->nsrc = n->n_in;
        for (int j = 0; j < n->n_in; j++) {
            int s = bus[n->in[j]];
            if (s < 0) {
                rc = ff_errf(e, FF_EINPUT, "layer '%s' (%s): input '%s' is not an activation the rtl back-end computes",
                             n->name, ff_op_name(n->op), g->t[n->in[j]].name);
                break;
            }
            L->src[j] = s;
            uses[s]++;
        }
        bus[n->out] = k + 1;
    }
    if (!rc && bus[g->output] < 0)
        rc = ff_errf(e, FF_EINPUT, "the graph output '%s' is not computed by a layer", g->t[g->output].name);
    if (!rc) {
        p->out_bus = bus[g->output];
        if (uses[p->out_bus])
            rc = ff_errf(e, FF_EINPUT,
                         "the graph output '%s' also feeds another layer: the rtl back-end needs the output to be "
                         "the last tensor",
                         g->t[g->output].name);
    }
    for (int k = 0; k < p->nl && !rc; k++)
        if (k + 1 != p->out_bus && !uses[k + 1])
            rc = ff_errf(e, FF_EINPUT, "layer '%s' (%s): its output is not used (the rtl back-end needs every layer "
                                       "on a path to the output)",
                         g->n[p->l[k].ni].name, ff_op_name(g->n[p->l[k].ni].op));
    free(bus);
    free(uses);
    if (rc)
        return rc;
    /* --slices: a register slice on every input of a layer with logic that
     * another such layer's output feeds (through wires or not): a FIFO of
     * 2 entries, whose in_ready does not look at out_ready */
    if (p->slices)
        for (int k = 0; k < p->nl; k++) {
            ff_rtl_layer *L = &p->l[k];
            if (L->kind == FF_RTL_WIRE)
                continue;
            for (int j = 0; j < L->nsrc; j++) {
                int s = L->src[j];
                while (s > 0 && p->l[s - 1].kind == FF_RTL_WIRE)
                    s = p->l[s - 1].src[0];
                L->slice[j] = s > 0;
            }
        }
    /* a FIFO on each join input whose branch arrives before the layer's latest input */
    p->critical = ff_rtl_dag_critical(p);
    int nf = 0;
    for (int k = 0; k < p->nl; k++) {
        ff_rtl_layer *L = &p->l[k];
        if (L->nsrc < 2)
            continue;
        int amax = 0;
        for (int j = 0; j < L->nsrc; j++) {
            int s = L->src[j], a = (s ? p->l[s - 1].arrive : 0) + L->slice[j];
            amax = a > amax ? a : amax;
        }
        for (int j = 0; j < L->nsrc; j++) {
            int s = L->src[j], a = (s ? p->l[s - 1].arrive : 0) + L->slice[j];
            L->fifo[j] = a < amax; /* sized below */
            nf += L->fifo[j];
        }
    }
    /* the join FIFOs are sized below; a slice alone stays at 2 entries */
    unsigned char *join = ff_calloc((size_t)p->nl * FF_MAX_IN, 1);
    for (int k = 0; k < p->nl; k++)
        for (int j = 0; j < p->l[k].nsrc; j++) {
            join[k * FF_MAX_IN + j] = p->l[k].fifo[j] > 0;
            if (p->l[k].slice[j] && !p->l[k].fifo[j])
                p->l[k].fifo[j] = 2;
        }
    /* FIFO depth: the smallest at which the handshake model's steady-state
     * II is the one with unbounded FIFOs (binary search per FIFO, the
     * others at their bound: one more than the most entries an unbounded
     * FIFO holds in a long full-rate burst, which never refuses an entry) */
    int lat, ii, target;
    if (nf) {
        int *occ = ff_calloc((size_t)p->nl * FF_MAX_IN, sizeof *occ);
        ff_rtl_dag_timing(p, 1, &lat, &ii, &target, occ);
        for (int k = 0; k < p->nl; k++)
            for (int j = 0; j < p->l[k].nsrc; j++)
                if (join[k * FF_MAX_IN + j])
                    p->l[k].fifo[j] = occ[k * FF_MAX_IN + j] + 1 > 2 ? occ[k * FF_MAX_IN + j] + 1 : 2;
        free(occ);
        for (int k = 0; k < p->nl; k++)
            for (int j = 0; j < p->l[k].nsrc; j++) {
                if (!join[k * FF_MAX_IN + j])
                    continue;
                int lo = 2, hi = p->l[k].fifo[j];
                while (lo < hi) {
                    int mid = (lo + hi) / 2, st;
                    p->l[k].fifo[j] = mid;
                    ff_rtl_dag_timing(p, 0, &lat, &ii, &st, NULL);
                    if (st <= target)
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                p->l[k].fifo[j] = lo;
            }
    }
    free(join);
    int st;
    ff_rtl_dag_timing(p, 0, &lat, &ii, p->slices ? &st : NULL, NULL);
    p->latency = lat;
    p->ii = ii;
    if (p->slices) {
        /* slices hold samples: the 12-sample burst can end before they
         * fill (conv1d_small_keras at R = 4 / 5 took one every 4 cycles
         * there, every 5 in the steady state) */
        p->ii = st;
        p->ii_burst = ff_rtl_steady_burst(lat);
    }
    return FF_OK;
}

int ff_rtl_steady_burst(int latency)
{
    int64_t t = 64 + 4 * (int64_t)latency;
    return t > 2048 ? 2048 : (int)t;
}

int64_t ff_rtl_slice_bits(const ff_rtl_plan *p, int k, int j)
{
    if (!p->l[k].slice[j])
        return 0;
    int t = p->q->g->n[p->l[k].ni].in[j];
    return ff_tensor_size(&p->q->g->t[t]) * p->q->qt[t].bits;
}

int ff_rtl_slice_count(const ff_rtl_plan *p, int64_t *bits)
{
    int n = 0;
    *bits = 0;
    for (int k = 0; k < p->nl; k++)
        for (int j = 0; j < p->l[k].nsrc; j++)
            if (p->l[k].slice[j]) {
                n++;
                *bits += ff_rtl_slice_bits(p, k, j);
            }
    return n;
}

int *ff_rtl_fifo_depths(const ff_rtl_plan *p, int *n)
{
    int *d = ff_malloc(((size_t)p->nl * FF_MAX_IN + 1) * sizeof *d);
    *n = 0;
    for (int k = 0; k < p->nl; k++)
        for (int j = 0; j < p->l[k].nsrc; j++) {
            int f = p->l[k].fifo[j], i = 0;
            while (i < *n && d[i] != f)
                i++;
            if (f && i == *n)
                d[(*n)++] = f;
        }
    return d;
}
