/* Float reference executor (float32, accumulation in float like ONNX Runtime's
 * reference kernels, in a fixed order). */
#include "exec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ff_fplan {
    const ff_graph *g;
    float **buf;  /* per tensor, activations only */
    float *pre;   /* scratch for pre-activation values */
    float **wt;   /* per node, CONV weights as [group][kh][kw][cin/group][cout/group] */
};

int64_t ff_graph_in_size(const ff_graph *g) { return ff_tensor_size(&g->t[g->input]); }
int64_t ff_graph_out_size(const ff_graph *g) { return ff_tensor_size(&g->t[g->output]); }

void ff_strides(const ff_tensor *t, int64_t *st)
{
    int64_t s = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        st[i] = s;
        s *= t->dims[i];
    }
}

/* conv's output channels a pixel sums side by side */
enum { CONV_BLOCK = 8 };

static int64_t conv_padded(int64_t cout_g)
{
    return (cout_g + CONV_BLOCK - 1) / CONV_BLOCK * CONV_BLOCK;
}

ff_fplan *ff_fplan_new(const ff_graph *g)
{
    ff_fplan *p = ff_calloc(1, sizeof *p);
    p->g = g;
    p->buf = ff_calloc((size_t)g->nt, sizeof *p->buf);
    int64_t maxsz = 1;
    for (int i = 0; i < g->nt; i++) {
        if (g->t[i].data)
            continue;
        int64_t sz = ff_tensor_size(&g->t[i]);
        p->buf[i] = ff_calloc((size_t)sz, sizeof(float));
        if (sz > maxsz)
            maxsz = sz;
    }
    p->pre = ff_calloc((size_t)maxsz, sizeof(float));
    /* output channels innermost (padded with zeros to whole blocks), so conv
     * sums several of them side by side */
    p->wt = ff_calloc((size_t)(g->nn ? g->nn : 1), sizeof *p->wt);
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        if (n->op != FF_OP_CONV)
            continue;
        ff_geom q = ff_node_geom(g, n);
        const int64_t cin_g = q.C / n->group, cout_g = q.OC / n->group, taps = (int64_t)n->kernel[0] * n->kernel[1];
        const int64_t cpad = conv_padded(cout_g);
        float *wt = p->wt[ni] = ff_calloc((size_t)(n->group * taps * cin_g * cpad), sizeof(float));
        for (int64_t oc = 0; oc < q.OC; oc++)
            for (int64_t t = 0; t < taps * cin_g; t++)
                wt[((oc / cout_g) * taps * cin_g + t) * cpad + oc % cout_g] = n->w[oc * taps * cin_g + t];
    }
    return p;
}

void ff_fplan_free(ff_fplan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->g->nt; i++)
        free(p->buf[i]);
    free(p->buf);
    for (int ni = 0; ni < p->g->nn; ni++)
        free(p->wt[ni]);
    free(p->wt);
    free(p->pre);
    free(p);
}

float ff_act_float(ff_act a, float alpha, float beta, float x)
{
    switch (a) {
    case FF_ACT_NONE:
        return x;
    case FF_ACT_RELU:
        return x > 0.0f ? x : 0.0f;
    case FF_ACT_LEAKY:
        return x >= 0.0f ? x : alpha * x;
    case FF_ACT_CLIP:
        return x < alpha ? alpha : (x > beta ? beta : x);
    case FF_ACT_SIGMOID:
        return 1.0f / (1.0f + expf(-x));
    case FF_ACT_TANH:
        return tanhf(x);
    case FF_ACT_SELU:
        return x > 0.0f ? beta * x : beta * (alpha * expm1f(x));
    case FF_ACT_ELU:
        return x >= 0.0f ? x : alpha * expm1f(x);
    case FF_ACT__COUNT:
        break;
    }
    return x;
}

/* Dot product in eight interleaved partial sums (vectorizes without
 * -ffast-math; the fixed order keeps results reproducible). */
static float dot(const float *w, const float *x, int64_t n)
{
    float p[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++)
            p[l] += w[i + l] * x[i + l];
    float acc = ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]));
    for (; i < n; i++)
        acc += w[i] * x[i];
    return acc;
}

static void dense(const ff_node *n, const float *x, float *y)
{
    const int64_t ni = n->n_in_f, no = n->n_out_f;
    for (int64_t o = 0; o < no; o++)
        y[o] = dot(n->w + o * ni, x, ni) + (n->b ? n->b[o] : 0.0f);
}

/* Channels-last geometry shared by conv and pooling. Each output sums its
 * products in the fixed order (row, column, input channel), as one scalar
 * chain; CONV_BLOCK outputs of a pixel run side by side over the transposed
 * weights wt (a padded block's extra lanes are dropped), which keeps every
 * output's sum, and so the calibration, the same bit for bit while the chains
 * overlap. */
static void conv(const ff_graph *g, const ff_node *n, const float *wt, const float *x, float *y)
{
    ff_geom q = ff_node_geom(g, n);
    const int64_t cin_g = q.C / n->group, cout_g = q.OC / n->group;
    const int64_t cpad = conv_padded(cout_g);
    const int kh = n->kernel[0], kw = n->kernel[1];
    for (int64_t oh = 0; oh < q.OH; oh++)
        for (int64_t ow = 0; ow < q.OW; ow++)
            for (int64_t gi = 0; gi < n->group; gi++)
                for (int64_t ob = 0; ob < cout_g; ob += CONV_BLOCK) {
                    const int64_t nb = cout_g - ob < CONV_BLOCK ? cout_g - ob : CONV_BLOCK;
                    float acc[CONV_BLOCK] = {0};
                    for (int i = 0; i < kh; i++) {
                        int64_t ih = oh * n->stride[0] - n->pad[0] + (int64_t)i * n->dil[0];
                        if (ih < 0 || ih >= q.H)
                            continue;
                        for (int j = 0; j < kw; j++) {
                            int64_t iw = ow * n->stride[1] - n->pad[1] + (int64_t)j * n->dil[1];
                            if (iw < 0 || iw >= q.W)
                                continue;
                            const float *xp = x + (ih * q.W + iw) * q.C + gi * cin_g;
                            const float *wp = wt + ((gi * kh + i) * kw + j) * cin_g * cpad + ob;
                            for (int64_t c = 0; c < cin_g; c++)
                                for (int k = 0; k < CONV_BLOCK; k++)
                                    acc[k] += wp[c * cpad + k] * xp[c];
                        }
                    }
                    float *yp = y + (oh * q.OW + ow) * q.OC + gi * cout_g + ob;
                    for (int k = 0; k < nb; k++)
                        yp[k] = acc[k] + (n->b ? n->b[gi * cout_g + ob + k] : 0.0f);
                }
}

static void pool(const ff_graph *g, const ff_node *n, const float *x, float *y)
{
    ff_geom q = ff_node_geom(g, n);
    const int is_max = n->op == FF_OP_MAXPOOL;
    for (int64_t oh = 0; oh < q.OH; oh++)
        for (int64_t ow = 0; ow < q.OW; ow++)
            for (int64_t c = 0; c < q.C; c++) {
                float acc = is_max ? -INFINITY : 0.0f;
                int64_t count = 0;
                for (int i = 0; i < n->kernel[0]; i++) {
                    int64_t ih = oh * n->stride[0] - n->pad[0] + i;
                    if (ih < 0 || ih >= q.H)
                        continue;
                    for (int j = 0; j < n->kernel[1]; j++) {
                        int64_t iw = ow * n->stride[1] - n->pad[1] + j;
                        if (iw < 0 || iw >= q.W)
                            continue;
                        float v = x[(ih * q.W + iw) * q.C + c];
                        if (is_max)
                            acc = v > acc ? v : acc;
                        else
                            acc += v;
                        count++;
                    }
                }
                if (!is_max)
                    acc /= (float)(n->count_include_pad ? (int64_t)n->kernel[0] * n->kernel[1] : count);
                y[(oh * q.OW + ow) * q.C + c] = acc;
            }
}

static void gpool(const ff_graph *g, const ff_node *n, const float *x, float *y)
{
    const ff_tensor *t = &g->t[n->in[0]];
    int64_t C = t->dims[t->rank - 1], P = ff_tensor_size(t) / C;
    for (int64_t c = 0; c < C; c++) {
        float acc = n->op == FF_OP_GMAXPOOL ? -INFINITY : 0.0f;
        for (int64_t p = 0; p < P; p++) {
            float v = x[p * C + c];
            if (n->op == FF_OP_GMAXPOOL)
                acc = v > acc ? v : acc;
            else
                acc += v;
        }
        y[c] = n->op == FF_OP_GMAXPOOL ? acc : acc / (float)P;
    }
}

/* Channel index of flat element i along axis, for per-channel Scale. */
static int64_t channel_of(const ff_tensor *t, int axis, int64_t i)
{
    int64_t st[FF_MAX_RANK];
    ff_strides(t, st);
    return (i / st[axis]) % t->dims[axis];
}

static void scale(const ff_graph *g, const ff_node *n, const float *x, float *y)
{
    const ff_tensor *t = &g->t[n->in[0]];
    int64_t sz = ff_tensor_size(t);
    for (int64_t i = 0; i < sz; i++) {
        int64_t c = n->n_out_f == 1 ? 0 : channel_of(t, n->axis, i);
        y[i] = x[i] * n->w[c] + (n->b ? n->b[c] : 0.0f);
    }
}

void ff_move_transpose(const ff_tensor *t, const ff_tensor *o, const int *perm, const void *x,
                       void *y, size_t esz)
{
    int64_t sx[FF_MAX_RANK], idx[FF_MAX_RANK] = {0};
    ff_strides(t, sx);
    int64_t sz = ff_tensor_size(o);
    const char *xb = x;
    char *yb = y;
    for (int64_t k = 0; k < sz; k++) {
        int64_t src = 0;
        for (int d = 0; d < o->rank; d++)
            src += idx[d] * sx[perm[d]];
        memcpy(yb + k * (int64_t)esz, xb + src * (int64_t)esz, esz);
        for (int d = o->rank - 1; d >= 0; d--) {
            if (++idx[d] < o->dims[d])
                break;
            idx[d] = 0;
        }
    }
}

void ff_move_concat(const ff_graph *g, const ff_node *n, const void *const *xs, void *y, size_t esz)
{
    const ff_tensor *o = &g->t[n->out];
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < n->axis; d++)
        outer *= o->dims[d];
    for (int d = n->axis + 1; d < o->rank; d++)
        inner *= o->dims[d];
    int64_t off = 0, orow = o->dims[n->axis] * inner;
    char *yb = y;
    for (int k = 0; k < n->n_in; k++) {
        int64_t len = g->t[n->in[k]].dims[n->axis] * inner;
        const char *xb = xs[k];
        for (int64_t a = 0; a < outer; a++)
            memcpy(yb + (a * orow + off) * (int64_t)esz, xb + a * len * (int64_t)esz,
                   (size_t)(len * (int64_t)esz));
        off += len;
    }
}

static void softmax(const ff_graph *g, const ff_node *n, const float *x, float *y)
{
    const ff_tensor *t = &g->t[n->out];
    int64_t L = t->dims[t->rank - 1], rows = ff_tensor_size(t) / L;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * L;
        float *yr = y + r * L, mx = xr[0], sum = 0.0f;
        for (int64_t i = 1; i < L; i++)
            mx = xr[i] > mx ? xr[i] : mx;
        for (int64_t i = 0; i < L; i++) {
            yr[i] = expf(xr[i] - mx);
            sum += yr[i];
        }
        for (int64_t i = 0; i < L; i++)
            yr[i] /= sum;
    }
}

void ff_fplan_run(ff_fplan *p, const float *in, float *out, ff_observe_fn obs, void *ctx)
{
    const ff_graph *g = p->g;
    memcpy(p->buf[g->input], in, (size_t)ff_graph_in_size(g) * sizeof(float));
    if (obs)
        obs(ctx, -1, NULL, p->buf[g->input], ff_graph_in_size(g));
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        const float *x = p->buf[n->in[0]];
        float *y = p->buf[n->out];
        int64_t sz = ff_tensor_size(&g->t[n->out]);
        switch (n->op) {
        case FF_OP_DENSE: dense(n, x, y); break;
        case FF_OP_CONV: conv(g, n, p->wt[ni], x, y); break;
        case FF_OP_MAXPOOL:
        case FF_OP_AVGPOOL: pool(g, n, x, y); break;
        case FF_OP_GMAXPOOL:
        case FF_OP_GAVGPOOL: gpool(g, n, x, y); break;
        case FF_OP_SCALE: scale(g, n, x, y); break;
        case FF_OP_ADD:
        case FF_OP_SUB: {
            const float *x2 = p->buf[n->in[1]];
            for (int64_t i = 0; i < sz; i++)
                y[i] = n->op == FF_OP_ADD ? x[i] + x2[i] : x[i] - x2[i];
            break;
        }
        case FF_OP_CONCAT: {
            const void *xs[FF_MAX_IN];
            for (int k = 0; k < n->n_in; k++)
                xs[k] = p->buf[n->in[k]];
            ff_move_concat(g, n, xs, y, sizeof(float));
            break;
        }
        case FF_OP_ACT:
            for (int64_t i = 0; i < sz; i++)
                y[i] = ff_act_float(n->act, n->alpha, n->beta, x[i]);
            break;
        case FF_OP_SOFTMAX: softmax(g, n, x, y); break;
        case FF_OP_RESHAPE:
        case FF_OP_IDENTITY: memcpy(y, x, (size_t)sz * sizeof(float)); break;
        case FF_OP_TRANSPOSE:
            ff_move_transpose(&g->t[n->in[0]], &g->t[n->out], n->perm, x, y, sizeof(float));
            break;
        case FF_OP__COUNT: break;
        }
        const float *pre = NULL;
        if (n->op != FF_OP_ACT && n->act != FF_ACT_NONE) {
            if (obs) {
                memcpy(p->pre, y, (size_t)sz * sizeof(float));
                pre = p->pre;
            }
            for (int64_t i = 0; i < sz; i++)
                y[i] = ff_act_float(n->act, n->alpha, n->beta, y[i]);
        } else if (n->op == FF_OP_ACT) {
            pre = x;
        }
        if (obs)
            obs(ctx, ni, pre, y, sz);
    }
    memcpy(out, p->buf[g->output], (size_t)ff_graph_out_size(g) * sizeof(float));
}
