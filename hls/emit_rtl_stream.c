/* RTL back-end, io stream planning: which leading layers stream one pixel
 * per beat, the geometry of their padding and line buffers, the list of
 * hardware blocks, and a cycle-level model of the blocks' handshakes that
 * gives the design's latency and II exactly (docs/rtl.md, "io stream"). */
#include "emit_rtl.h"

#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cannot(const ff_node *n, const char *why, ff_err *e)
{
    ff_errf(e, FF_EINPUT, "layer '%s' (%s): cannot stream with --io stream: %s; use --io parallel", n->name,
            ff_op_name(n->op), why);
    return -1;
}

int ff_rtl_stream_segment(const ff_qmodel *q, ff_err *e)
{
    const ff_graph *g = q->g;
    int cur = g->input;
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        const ff_tensor *t = &g->t[cur];
        if (n->n_in != 1 || n->in[0] != cur || t->rank < 3)
            return ni; /* the parallel part reports branches itself */
        const ff_tensor *y = &g->t[n->out];
        switch (n->op) {
        case FF_OP_CONV:
            if (n->dil[0] != 1 || n->dil[1] != 1)
                return cannot(n, "dilated kernels are not supported by the line buffers", e);
            break;
        case FF_OP_MAXPOOL:
        case FF_OP_AVGPOOL:
            if (n->op == FF_OP_AVGPOOL && !n->count_include_pad &&
                (n->pad[0] || n->pad[1] || n->pad[2] || n->pad[3]))
                return cannot(n, "an average over padded windows that excludes the padding needs a count per "
                                 "position",
                              e);
            break;
        case FF_OP_ACT: break;
        case FF_OP_SOFTMAX:
            if (n->axis != t->rank - 1)
                return cannot(n, "Softmax streams over the channel axis only", e);
            break;
        case FF_OP_SCALE:
            if (n->n_out_f != 1 && n->axis != t->rank - 1)
                return cannot(n, "a Scale streams per channel (last axis) only", e);
            break;
        case FF_OP_RESHAPE:
        case FF_OP_IDENTITY:
            if (y->rank < 3 || y->dims[y->rank - 1] != t->dims[t->rank - 1])
                return ni; /* Flatten: the collector goes here */
            break;
        case FF_OP_TRANSPOSE: return cannot(n, "it reorders the pixels of the stream", e);
        default: return ni; /* Dense, global pooling, ...: io parallel from here */
        }
        cur = n->out;
    }
    return g->nn;
}

void ff_rtl_stream_layer(const ff_qmodel *q, ff_rtl_layer *L)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[L->ni];
    const ff_tensor *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int64_t C = x->dims[x->rank - 1];
    memset(&L->w, 0, sizeof L->w);
    L->w.C = C;
    if (n->op != FF_OP_CONV && n->op != FF_OP_MAXPOOL && n->op != FF_OP_AVGPOOL) {
        L->n_in = C; /* per pixel */
        L->n_out = y->dims[y->rank - 1];
        return;
    }
    int sp = x->rank - 2;
    L->w.has_win = 1;
    L->w.H = sp == 2 ? x->dims[1] : 1;
    L->w.W = x->dims[sp];
    L->w.OH = sp == 2 ? y->dims[1] : 1;
    L->w.OW = y->dims[sp];
    L->w.kh = n->kernel[0];
    L->w.kw = n->kernel[1];
    L->w.sh = n->stride[0] > 0 ? n->stride[0] : 1;
    L->w.sw = n->stride[1] > 0 ? n->stride[1] : 1;
    L->w.pt = n->pad[0];
    L->w.pl = n->pad[1];
    /* the padded image the windows slide over; rows/columns of the input
     * past the last window are streamed and dropped */
    int64_t need_h = (L->w.OH - 1) * L->w.sh + L->w.kh, need_w = (L->w.OW - 1) * L->w.sw + L->w.kw;
    L->w.PH = L->w.H + L->w.pt > need_h ? L->w.H + L->w.pt : need_h;
    L->w.PW = L->w.W + L->w.pl > need_w ? L->w.W + L->w.pl : need_w;
    L->w.has_pad = L->w.pt || L->w.pl || L->w.PH > L->w.H || L->w.PW > L->w.W;
    L->w.pad_value = n->op == FF_OP_MAXPOOL ? q->qt[n->in[0]].qmin : 0;
    L->n_in = (int64_t)L->w.kh * L->w.kw * C; /* one window */
    L->n_out = y->dims[y->rank - 1];
}

static void add_stage(ff_rtl_plan *p, ff_rtl_stage s)
{
    p->st = ff_realloc(p->st, (size_t)(p->nst + 1) * sizeof *p->st);
    p->st[p->nst++] = s;
}

static void layer_stages(ff_rtl_plan *p, int k)
{
    const ff_rtl_layer *L = &p->l[k];
    if (L->stream && L->w.has_pad)
        add_stage(p, (ff_rtl_stage){FF_RTL_ST_PAD, k, 0, 0, 0, 0});
    if (L->stream && L->w.has_win)
        add_stage(p, (ff_rtl_stage){FF_RTL_ST_WIN, k, 1, 0, 0, 0});
    if (L->kind == FF_RTL_WIRE)
        add_stage(p, (ff_rtl_stage){FF_RTL_ST_WIRE, k, 0, 0, 0, 0});
    else if (L->kind == FF_RTL_DOT && L->reuse > 1)
        add_stage(p, (ff_rtl_stage){FF_RTL_ST_DOTR, k, 0, L->reuse, L->tree_stages, 0});
    else
        add_stage(p, (ff_rtl_stage){FF_RTL_ST_PIPE, k, L->latency, 0, 0, 0});
}

void ff_rtl_stream_finish(ff_rtl_plan *p)
{
    const ff_graph *g = p->q->g;
    const ff_tensor *ti = &g->t[g->input];
    p->in_beat = ti->rank >= 3 ? ti->dims[ti->rank - 1] : ff_tensor_size(ti);
    p->in_beats = ff_tensor_size(ti) / p->in_beat;
    if (p->nseg >= p->nl) {
        const ff_tensor *to = &g->t[g->output];
        p->out_beat = to->dims[to->rank - 1];
        p->out_beats = ff_tensor_size(to) / p->out_beat;
    } else {
        p->out_beat = ff_tensor_size(&g->t[g->output]);
        p->out_beats = 1;
    }
    for (int k = 0; k < p->nl; k++) {
        if (k == p->nseg) {
            /* pixels of the tensor the collector gathers */
            const ff_tensor *t = &g->t[g->n[p->l[k].ni].in[0]];
            int64_t px = t->rank >= 3 ? t->dims[t->rank - 1] : ff_tensor_size(t);
            add_stage(p, (ff_rtl_stage){FF_RTL_ST_COLLECT, -1, 1, 0, 0, ff_tensor_size(t) / px});
        }
        layer_stages(p, k);
    }
    ff_rtl_stream_timing(p, &p->latency, &p->ii);
}

/* ---- the handshake model: each block's valid/ready logic as in its Verilog ---- */

typedef struct {
    int64_t a, b;     /* PAD: row, column; WIN: row, column; COLLECT: count */
    int v;            /* WIN: window valid; COLLECT: full; DOTR: output valid */
    char *vld;        /* PIPE: valid bits */
    ff_rtl_dotr_sim d; /* DOTR */
} stg;

void ff_rtl_dotr_sim_init(ff_rtl_dotr_sim *s, int tree_stages, int reuse)
{
    s->T = tree_stages;
    s->reuse = reuse;
    s->tv = ff_calloc((size_t)tree_stages + 1, sizeof(int));
    s->tc = ff_calloc((size_t)tree_stages + 1, sizeof(int));
    ff_rtl_dotr_sim_reset(s);
}

void ff_rtl_dotr_sim_reset(ff_rtl_dotr_sim *s)
{
    s->busy = s->cnt = s->adone = 0;
    if (s->tv) {
        memset(s->tv, 0, (size_t)(s->T + 1) * sizeof *s->tv);
        memset(s->tc, 0, (size_t)(s->T + 1) * sizeof *s->tc);
    }
}

void ff_rtl_dotr_sim_free(ff_rtl_dotr_sim *s)
{
    free(s->tv);
    free(s->tc);
    s->tv = s->tc = NULL;
}

int ff_rtl_dotr_sim_ready(const ff_rtl_dotr_sim *s)
{
    return !s->busy || s->cnt == s->reuse - 1;
}

int ff_rtl_dotr_sim_step(ff_rtl_dotr_sim *s, int in_fire)
{
    int T = s->T, last = s->cnt == s->reuse - 1, ob = s->busy, oc = s->cnt;
    int was = s->adone, nadone = s->tv[T] && s->tc[T] == s->reuse - 1;
    for (int k = T; k > 0; k--) {
        s->tv[k] = s->tv[k - 1];
        s->tc[k] = s->tc[k - 1];
    }
    s->tv[0] = ob;
    s->tc[0] = oc;
    if (in_fire) {
        s->busy = 1;
        s->cnt = 0;
    } else if (ob) {
        s->busy = !last;
        s->cnt = last ? 0 : oc + 1;
    }
    s->adone = nadone;
    return was;
}

static int pad_inside(const ff_rtl_layer *L, int64_t r, int64_t c)
{
    return r >= L->w.pt && r < L->w.pt + L->w.H && c >= L->w.pl && c < L->w.pl + L->w.W;
}

static int win_ok(const ff_rtl_layer *L, int64_t r, int64_t c)
{
    int64_t dr = r - (L->w.kh - 1), dc = c - (L->w.kw - 1);
    return dr >= 0 && dc >= 0 && dr % L->w.sh == 0 && dc % L->w.sw == 0 && dr / L->w.sh < L->w.OH &&
           dc / L->w.sw < L->w.OW;
}

typedef struct {
    const ff_rtl_plan *p;
    stg *s;
    int *iv, *ov, *ir, *or_; /* per stage */
} model;

static void model_reset(model *m)
{
    for (int i = 0; i < m->p->nst; i++) {
        const ff_rtl_stage *st = &m->p->st[i];
        stg *s = &m->s[i];
        s->a = s->b = 0;
        s->v = 0;
        if (st->kind == FF_RTL_ST_PIPE)
            memset(s->vld, 0, (size_t)st->depth);
        if (st->kind == FF_RTL_ST_DOTR)
            ff_rtl_dotr_sim_reset(&s->d);
    }
}

/* One clock edge with the top input valid `in_valid` and output ready 1.
 * Returns through *taken / *given whether a beat went in / came out. */
static void model_step(model *m, int in_valid, int *taken, int *given)
{
    const ff_rtl_plan *p = m->p;
    int n = p->nst;
    /* valid forward */
    int v = in_valid;
    for (int i = 0; i < n; i++) {
        const ff_rtl_stage *st = &p->st[i];
        stg *s = &m->s[i];
        m->iv[i] = v;
        switch (st->kind) {
        case FF_RTL_ST_WIRE: break;
        case FF_RTL_ST_PAD: v = pad_inside(&p->l[st->layer], s->a, s->b) ? v : 1; break;
        case FF_RTL_ST_WIN:
        case FF_RTL_ST_COLLECT:
        case FF_RTL_ST_DOTR: v = s->v; break;
        case FF_RTL_ST_PIPE: v = s->vld[st->depth - 1]; break;
        }
        m->ov[i] = v;
    }
    /* ready backward */
    int r = 1;
    for (int i = n - 1; i >= 0; i--) {
        const ff_rtl_stage *st = &p->st[i];
        stg *s = &m->s[i];
        m->or_[i] = r;
        switch (st->kind) {
        case FF_RTL_ST_WIRE: break;
        case FF_RTL_ST_PAD: r = pad_inside(&p->l[st->layer], s->a, s->b) && r; break;
        case FF_RTL_ST_WIN:
        case FF_RTL_ST_COLLECT: r = !s->v || r; break;
        case FF_RTL_ST_PIPE: r = !s->vld[st->depth - 1] || r; break;
        case FF_RTL_ST_DOTR: r = (!s->v || r) && ff_rtl_dotr_sim_ready(&s->d); break;
        }
        m->ir[i] = r;
    }
    *taken = in_valid && (n ? m->ir[0] : 1);
    *given = n ? m->ov[n - 1] : in_valid;
    /* clock edge */
    for (int i = 0; i < n; i++) {
        const ff_rtl_stage *st = &p->st[i];
        stg *s = &m->s[i];
        int in_fire = m->iv[i] && m->ir[i], out_fire = m->ov[i] && m->or_[i];
        switch (st->kind) {
        case FF_RTL_ST_WIRE: break;
        case FF_RTL_ST_PAD:
            if (out_fire) {
                const ff_rtl_layer *L = &p->l[st->layer];
                if (++s->b == L->w.PW) {
                    s->b = 0;
                    s->a = s->a + 1 == L->w.PH ? 0 : s->a + 1;
                }
            }
            break;
        case FF_RTL_ST_WIN:
            if (in_fire) {
                const ff_rtl_layer *L = &p->l[st->layer];
                s->v = win_ok(L, s->a, s->b);
                if (++s->b == L->w.PW) {
                    s->b = 0;
                    s->a = s->a + 1 == L->w.PH ? 0 : s->a + 1;
                }
            } else if (m->or_[i]) {
                s->v = 0;
            }
            break;
        case FF_RTL_ST_COLLECT:
            if (in_fire && s->a == st->pixels - 1)
                s->v = 1;
            else if (m->or_[i])
                s->v = 0;
            if (in_fire)
                s->a = s->a + 1 == st->pixels ? 0 : s->a + 1;
            break;
        case FF_RTL_ST_PIPE:
            if (!s->vld[st->depth - 1] || m->or_[i]) {
                memmove(s->vld + 1, s->vld, (size_t)(st->depth - 1));
                s->vld[0] = (char)m->iv[i];
            }
            break;
        case FF_RTL_ST_DOTR:
            if (!s->v || m->or_[i])
                s->v = ff_rtl_dotr_sim_step(&s->d, in_fire);
            break;
        }
    }
}

/* The registers of the model (not the handshake wires, which model_step
 * derives from them): n values written to out when out is not NULL */
static int64_t model_state(const model *m, int64_t *out)
{
    int64_t n = 0;
#define PUT(x) (out ? (void)(out[n] = (x)) : (void)0, n++)
    for (int i = 0; i < m->p->nst; i++) {
        const ff_rtl_stage *st = &m->p->st[i];
        const stg *s = &m->s[i];
        PUT(s->a);
        PUT(s->b);
        PUT(s->v);
        if (st->kind == FF_RTL_ST_PIPE)
            for (int k = 0; k < st->depth; k++)
                PUT(s->vld[k]);
        if (st->kind == FF_RTL_ST_DOTR) {
            PUT(s->d.busy);
            PUT(s->d.cnt);
            PUT(s->d.adone);
            for (int k = 0; k <= s->d.T; k++) {
                PUT(s->d.tv[k]);
                PUT(s->d.tc[k]);
            }
        }
    }
#undef PUT
    return n;
}

int ff_rtl_stream_timing_opts(const ff_rtl_plan *p, int periodic, int *latency, int *ii)
{
    model m = {p, ff_calloc((size_t)p->nst + 1, sizeof(stg)), ff_calloc((size_t)p->nst + 1, sizeof(int)),
               ff_calloc((size_t)p->nst + 1, sizeof(int)), ff_calloc((size_t)p->nst + 1, sizeof(int)),
               ff_calloc((size_t)p->nst + 1, sizeof(int))};
    for (int i = 0; i < p->nst; i++) {
        if (p->st[i].kind == FF_RTL_ST_PIPE)
            m.s[i].vld = ff_calloc((size_t)p->st[i].depth, 1);
        if (p->st[i].kind == FF_RTL_ST_DOTR)
            ff_rtl_dotr_sim_init(&m.s[i].d, p->st[i].tree, p->st[i].reuse);
    }
    /* 1. latency: one sample into the empty design */
    model_reset(&m);
    int64_t cyc = 0, t0 = -1, beats_in = 0, beats_out = 0, guard = 0;
    while (beats_out < p->out_beats && guard++ < 100000000) {
        int taken, given;
        model_step(&m, beats_in < p->in_beats, &taken, &given);
        cyc++;
        if (taken && beats_in++ == 0)
            t0 = cyc;
        if (given)
            beats_out++;
    }
    *latency = (int)(cyc - t0);
    /* 2. II: a burst of samples at full rate, as fogforge sim measures it:
     * the mean interval between the first beats of samples 6 and 11 taken.
     * Until the last of them is taken the input is valid every cycle and the
     * output ready, so the model is a closed deterministic system: when its
     * registers right after sample j's first beat is taken equal those right
     * after sample j - 1's, every later sample enters d = tk[j] - tk[j - 1]
     * cycles after the one before, exactly. With `periodic` the model stops
     * there and extrapolates (the same figure; test_rtl_stream_periodic). */
    model_reset(&m);
    const int burst = 12;
    int64_t tk[12] = {0}, total_in = (int64_t)burst * p->in_beats;
    int64_t ns = model_state(&m, NULL), taken_n = 0, stepped = burst; /* samples the model took itself */
    int64_t *prev = ff_malloc(sizeof(int64_t) * (size_t)(ns ? ns : 1)),
            *curr = ff_malloc(sizeof(int64_t) * (size_t)(ns ? ns : 1));
    cyc = beats_in = guard = 0;
    while (taken_n < burst && guard++ < 1000000000) {
        int taken, given;
        model_step(&m, beats_in < total_in, &taken, &given);
        cyc++;
        if (!taken)
            continue;
        if (beats_in++ % p->in_beats != 0)
            continue;
        tk[taken_n++] = cyc;
        if (!periodic)
            continue;
        model_state(&m, curr);
        if (taken_n >= 2 && memcmp(prev, curr, sizeof(int64_t) * (size_t)ns) == 0) {
            for (int64_t j = taken_n; j < burst; j++)
                tk[j] = tk[j - 1] + (tk[taken_n - 1] - tk[taken_n - 2]);
            stepped = taken_n;
            taken_n = burst;
        }
        int64_t *t = prev;
        prev = curr;
        curr = t;
    }
    free(prev);
    free(curr);
    *ii = (int)((tk[burst - 1] - tk[burst / 2]) / (burst - 1 - burst / 2));
    for (int i = 0; i < p->nst; i++) {
        free(m.s[i].vld);
        ff_rtl_dotr_sim_free(&m.s[i].d);
    }
    free(m.s);
    free(m.iv);
    free(m.ov);
    free(m.ir);
    free(m.or_);
    return (int)stepped;
}

void ff_rtl_stream_timing(const ff_rtl_plan *p, int *latency, int *ii)
{
    ff_rtl_stream_timing_opts(p, 1, latency, ii);
}
