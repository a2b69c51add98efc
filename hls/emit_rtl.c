/* RTL back-end entry: plans the design, checks it against the part, writes
 * the Verilog, the Verilator shim, the manifest and a copy of the quantized
 * model (so `fogforge sim` computes its own golden vectors). */
#include "emit_rtl.h"

#include "exec.h"
#include "ffq.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FF_RTL_FORMULA                                                                                     \
    "latency = sum over layers; Dense/Conv/Scale at R=1: 2 + T, at R>1: R + 3 + T, where T = "            \
    "ceil(levels/3) - 1 adder-tree registers for levels = ceil(log2(products summed per cycle, + bias at " \
    "R=1)); activation 1; pooling 2; Softmax 4; Reshape/Transpose 0. II = max over layers (R for a layer "  \
    "with reuse R > 1, else 1)"

#define FF_RTL_FORMULA_CLK                                                                                  \
    "latency = sum over layers; Dense/Conv/Scale at R=1: P + T + S + 1, at R>1: R + 3 + T + S, where P = 1 "  \
    "when the products are registered, T = the adder-tree registers and S = 0, 1 or 2 extra requantization " \
    "stages, each chosen per layer for clock_ns (layers[].pipeline); activation 1; pooling 2; Softmax 4, or " \
    "8 when its 4-stage form is slower than clock_ns; Reshape/Transpose 0. II = max over layers (R for a "     \
    "layer with reuse R > 1, else 1)"
#define FF_RTL_STREAM_FORMULA                                                                              \
    "io stream: one pixel per beat. Per layer: padding 0 cycles (combinational), line buffers 1, the PE the "  \
    "Dense formula on one window (R=1: 2 + T, R>1: R + 3 + T, one window per R cycles), pooling 2, "          \
    "activation 1, Softmax 4, collector 1. latency (first input beat to last output beat) and II (cycles "     \
    "between samples' first beats at full rate) follow from the blocks' handshakes: "                          \
    "ff_rtl_stream_timing models them cycle by cycle; docs/rtl.md gives the closed forms"

#define FF_RTL_DAG_FORMULA                                                                                 \
    "branching graph (or a chain with slices): each layer's output arrives at max over its inputs' "         \
    "arrivals + its latency (the input at 0); latency = the output's arrival (graph.critical_path). "        \
    "Layer latencies: Dense/Conv/Scale "                                                                     \
    "at R=1: 2 + T, at R>1: R + 3 + T; activation 1; pooling 2; Softmax 4; Add/Sub/Concat 1; "                 \
    "Reshape/Transpose 0. A join input whose branch arrives earlier waits in a FIFO (latency 1) of "          \
    "layers[].sources[].fifo_depth entries; with slices, every input another layer feeds has one (+1). "     \
    "II = max over layers (R for a layer with reuse R > 1, else 1). "                                        \
    "Both as the handshake model (ff_rtl_dag_timing) computes them"
#define FF_RTL_DAG_FORMULA_CLK                                                                             \
    "branching graph (or a chain with slices): each layer's output arrives at max over its inputs' "         \
    "arrivals + its latency (the input at 0); latency = the output's arrival. Layer latencies as chosen "    \
    "for clock_ns (layers[].pipeline; Add/Sub/Concat 1). FIFOs on short join inputs and slices "             \
    "(layers[].sources[].fifo_depth). "                                                                      \
    "II = max over layers. Both as the handshake model (ff_rtl_dag_timing) computes them"

/* First-order size check: multipliers beyond the part's DSP slices are
 * built from LUTs at about wbits*abits/2 LUTs each. */
static int check_part(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e)
{
    const ff_part *pt = ff_part_find(o->part ? o->part : FF_DEFAULT_PART);
    if (!pt)
        return FF_OK;
    const ff_qmodel *q = p->q;
    double lut = 0;
    int64_t dsp_left = pt->dsp;
    for (int k = 0; k < p->nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        if (L->kind != FF_RTL_DOT)
            continue;
        const ff_node *n = &q->g->n[L->ni];
        int64_t m = L->mults, in_dsp = m < dsp_left ? m : dsp_left;
        dsp_left -= in_dsp;
        lut += (double)(m - in_dsp) * q->qn[L->ni].cfg.weight_bits * q->qt[n->in[0]].bits / 2.0;
    }
    if (lut > (double)pt->lut)
        return ff_errf(e, FF_EINPUT,
                       "design too large for %s: %lld multipliers need ~%.0f LUTs beyond its %lld DSP slices, "
                       "and it has %lld LUTs; raise the reuse factor (--reuse) or choose a larger part (--part)",
                       pt->name, (long long)p->mults, lut, (long long)pt->dsp, (long long)pt->lut);
    return FF_OK;
}

static cJSON *tensor_json(const ff_qmodel *q, int ti, int lane)
{
    const ff_tensor *t = &q->g->t[ti];
    const ff_qtensor *qt = &q->qt[ti];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON *sh = cJSON_AddArrayToObject(o, "shape");
    for (int d = 0; d < t->rank; d++)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t->dims[d]));
    cJSON_AddNumberToObject(o, "elements", (double)(ff_tensor_size(t)));
    cJSON_AddNumberToObject(o, "bits", qt->bits);
    cJSON_AddBoolToObject(o, "signed", qt->is_signed);
    cJSON_AddNumberToObject(o, "scale", qt->scale);
    cJSON_AddNumberToObject(o, "lane_bits", lane);
    cJSON_AddNumberToObject(o, "tdata_bits", (double)(ff_tensor_size(t) * lane));
    return o;
}

static int write_manifest(const ff_rtl_plan *p, const ff_gen_opts *o, const char *ffq_sha, ff_err *e)
{
    const ff_qmodel *q = p->q;
    const ff_graph *g = q->g;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "backend", "rtl");
    cJSON_AddStringToObject(m, "fogforge_version", FF_VERSION);
    cJSON_AddStringToObject(m, "design", p->top);
    cJSON_AddStringToObject(m, "top", p->top);
    cJSON_AddStringToObject(m, "model", o->model_path ? o->model_path : "");
    cJSON_AddStringToObject(m, "model_sha256", g->source_sha256);
    cJSON_AddStringToObject(m, "ffq", "model.ffq");
    cJSON_AddStringToObject(m, "ffq_sha256", ffq_sha);
    cJSON_AddStringToObject(m, "part", o->part ? o->part : FF_DEFAULT_PART);
    const ff_part *pt = ff_part_find(o->part ? o->part : FF_DEFAULT_PART);
    cJSON_AddStringToObject(m, "family", pt ? pt->family : "xc7");
    cJSON_AddNumberToObject(m, "clock_ns", o->clock_ns > 0 ? o->clock_ns : FF_DEFAULT_CLOCK_NS);
    cJSON *io = cJSON_AddObjectToObject(m, "io");
    if (p->io_stream) {
        cJSON_AddStringToObject(io, "protocol", "axi4-stream, one pixel (all channels) per beat in raster order, "
                                                "TLAST on the last output beat of a sample");
        cJSON_AddStringToObject(io, "mode", "stream");
        cJSON *in = tensor_json(q, g->input, p->in_lane), *out = tensor_json(q, g->output, p->out_lane);
        cJSON_ReplaceItemInObject(in, "tdata_bits", cJSON_CreateNumber((double)(p->in_beat * p->in_lane)));
        cJSON_ReplaceItemInObject(out, "tdata_bits", cJSON_CreateNumber((double)(p->out_beat * p->out_lane)));
        cJSON_AddNumberToObject(in, "beat_elements", (double)p->in_beat);
        cJSON_AddNumberToObject(in, "beats", (double)p->in_beats);
        cJSON_AddNumberToObject(out, "beat_elements", (double)p->out_beat);
        cJSON_AddNumberToObject(out, "beats", (double)p->out_beats);
        cJSON_AddItemToObject(io, "input", in);
        cJSON_AddItemToObject(io, "output", out);
    } else {
        cJSON_AddStringToObject(io, "protocol", "axi4-stream, one beat per sample, TLAST set on every output beat");
        cJSON_AddItemToObject(io, "input", tensor_json(q, g->input, p->in_lane));
        cJSON_AddItemToObject(io, "output", tensor_json(q, g->output, p->out_lane));
    }
    cJSON *ls = cJSON_AddArrayToObject(m, "layers");
    for (int k = 0; k < p->nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        const ff_node *n = &g->n[L->ni];
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", n->name);
        cJSON_AddStringToObject(l, "op", ff_op_name(n->op));
        cJSON_AddStringToObject(l, "act", ff_act_name(n->act));
        cJSON_AddStringToObject(l, "module", L->kind == FF_RTL_WIRE ? "" : L->mod);
        cJSON_AddNumberToObject(l, "inputs", (double)L->n_in);
        cJSON_AddNumberToObject(l, "outputs", (double)L->n_out);
        cJSON_AddNumberToObject(l, "reuse", L->reuse);
        cJSON_AddNumberToObject(l, "weight_bits", q->qn[L->ni].cfg.weight_bits);
        cJSON_AddNumberToObject(l, "act_bits", q->qt[n->out].bits);
        if (L->kind == FF_RTL_DOT) {
            cJSON_AddNumberToObject(l, "mac_in", (double)L->mac_in);
            cJSON_AddNumberToObject(l, "mac_out", (double)L->mac_out);
            /* products computed per cycle */
            cJSON_AddNumberToObject(l, "parallelism", (double)L->mults);
            cJSON_AddNumberToObject(l, "adder_tree_levels", L->tree_levels);
            cJSON_AddNumberToObject(l, "adder_tree_registers", L->tree_stages);
            if (p->clock_ns > 0) {
                cJSON *pl = cJSON_AddObjectToObject(l, "pipeline");
                cJSON_AddBoolToObject(pl, "product_register", L->reuse > 1 || L->pipe.preg);
                cJSON *cu = cJSON_AddArrayToObject(pl, "register_after_levels");
                for (int lv = 1; lv <= L->tree_levels && lv <= 64; lv++)
                    if ((L->pipe.cuts >> (lv - 1)) & 1)
                        cJSON_AddItemToArray(cu, cJSON_CreateNumber(lv));
                cJSON_AddNumberToObject(pl, "requant_stages", 1 + L->pipe.rq_split);
                cJSON_AddStringToObject(pl, "requant_saturation", L->pipe.rq_cmp ? "compare" : "round first");
                cJSON_AddNumberToObject(pl, "model_stage_ns", L->pipe.est_ns);
            }
        }
        if (L->kind == FF_RTL_SOFTMAX && p->clock_ns > 0) {
            cJSON *pl = cJSON_AddObjectToObject(l, "pipeline");
            cJSON_AddNumberToObject(pl, "stages", L->pipe.sm_deep ? 8 : 4);
            cJSON_AddNumberToObject(pl, "model_stage_ns", L->pipe.est_ns);
        }
        cJSON_AddNumberToObject(l, "multipliers", (double)L->mults);
        cJSON_AddNumberToObject(l, "latency_cycles", L->latency);
        cJSON_AddNumberToObject(l, "ii", L->ii);
        if (p->dag) {
            /* where each input comes from; the FIFO in front of it; when its output is ready */
            cJSON *srcs = cJSON_AddArrayToObject(l, "sources");
            for (int j = 0; j < L->nsrc; j++) {
                cJSON *sj = cJSON_CreateObject();
                int sb = L->src[j];
                cJSON_AddStringToObject(sj, "tensor", g->t[n->in[j]].name);
                cJSON_AddStringToObject(sj, "from", sb ? g->n[p->l[sb - 1].ni].name : "input");
                cJSON_AddNumberToObject(sj, "arrives_cycle", sb ? p->l[sb - 1].arrive : 0);
                cJSON_AddNumberToObject(sj, "fifo_depth", L->fifo[j]);
                cJSON_AddItemToArray(srcs, sj);
            }
            cJSON_AddNumberToObject(l, "output_cycle", L->arrive);
        }
        if (p->io_stream) {
            /* per pixel / per window: latency and II above are of one window (or pixel) */
            cJSON_AddStringToObject(l, "io", L->stream ? (L->w.has_win ? "stream, per window" : "stream, per pixel")
                                                       : "parallel, after the collector");
            if (L->stream && L->w.has_win) {
                cJSON *a = cJSON_AddArrayToObject(l, "kernel");
                cJSON_AddItemToArray(a, cJSON_CreateNumber(L->w.kh));
                cJSON_AddItemToArray(a, cJSON_CreateNumber(L->w.kw));
                a = cJSON_AddArrayToObject(l, "stride");
                cJSON_AddItemToArray(a, cJSON_CreateNumber(L->w.sh));
                cJSON_AddItemToArray(a, cJSON_CreateNumber(L->w.sw));
                a = cJSON_AddArrayToObject(l, "padded_image");
                cJSON_AddItemToArray(a, cJSON_CreateNumber((double)L->w.PH));
                cJSON_AddItemToArray(a, cJSON_CreateNumber((double)L->w.PW));
                a = cJSON_AddArrayToObject(l, "windows");
                cJSON_AddItemToArray(a, cJSON_CreateNumber((double)L->w.OH));
                cJSON_AddItemToArray(a, cJSON_CreateNumber((double)L->w.OW));
                cJSON_AddNumberToObject(l, "line_buffers", L->w.kh - 1);
                cJSON_AddNumberToObject(l, "line_buffer_bits",
                                        (double)((L->w.kh - 1) * L->w.PW * L->w.C * q->qt[n->in[0]].bits));
            }
        }
        cJSON_AddItemToArray(ls, l);
    }
    cJSON *t = cJSON_AddObjectToObject(m, "total");
    cJSON_AddNumberToObject(t, "multipliers", (double)p->mults);
    cJSON_AddNumberToObject(t, "nonzero_weights", (double)p->nonzero);
    cJSON_AddNumberToObject(t, "latency_cycles", p->latency);
    cJSON_AddNumberToObject(t, "ii", p->ii);
    cJSON_AddNumberToObject(m, "latency_cycles", p->latency);
    cJSON_AddNumberToObject(m, "ii", p->ii);
    if (p->ii_burst > 0)
        cJSON_AddNumberToObject(m, "ii_burst_samples", p->ii_burst);
    if (p->dag) {
        cJSON_AddStringToObject(m, "formula", p->clock_ns > 0 ? FF_RTL_DAG_FORMULA_CLK : FF_RTL_DAG_FORMULA);
        cJSON *gr = cJSON_AddObjectToObject(m, "graph");
        cJSON_AddStringToObject(gr, "shape", ff_rtl_graph_branch(g) >= 0 ? "branching: forks and joins (layers[].sources)"
                                                                         : "a chain (layers[].sources)");
        if (p->slices) {
            int64_t sb;
            cJSON *sl = cJSON_AddObjectToObject(m, "slices");
            cJSON_AddNumberToObject(sl, "count", ff_rtl_slice_count(p, &sb));
            cJSON_AddNumberToObject(sl, "data_bits", (double)sb);
            cJSON_AddStringToObject(sl, "note", "a 2-entry FIFO (registered ready, latency 1) on every layer input "
                                                "another layer's output feeds: the ready chain stops at each one");
        }
        cJSON_AddNumberToObject(gr, "critical_path_latency_cycles", p->critical);
        cJSON *cp = cJSON_AddArrayToObject(gr, "critical_path");
        /* from the output back along the latest-arriving inputs */
        int path[4096], np = 0;
        for (int bsel = p->out_bus; bsel > 0 && np < 4096;) {
            const ff_rtl_layer *L = &p->l[bsel - 1];
            path[np++] = bsel - 1;
            int nb = 0, best = -1;
            for (int j = 0; j < L->nsrc; j++) {
                int a = L->src[j] ? p->l[L->src[j] - 1].arrive : 0;
                if (a > best)
                    best = a, nb = L->src[j];
            }
            bsel = nb;
        }
        for (int i = np - 1; i >= 0; i--)
            cJSON_AddItemToArray(cp, cJSON_CreateString(g->n[p->l[path[i]].ni].name));
        int nfifo = 0;
        for (int k = 0; k < p->nl; k++)
            for (int j = 0; j < p->l[k].nsrc; j++)
                nfifo += p->l[k].fifo[j] > 0;
        cJSON_AddNumberToObject(gr, "fifos", nfifo);
        if (p->clock_ns > 0) {
            cJSON *pl = cJSON_AddObjectToObject(m, "pipeline");
            cJSON_AddNumberToObject(pl, "clock_ns", p->clock_ns);
            cJSON_AddNumberToObject(pl, "model_stage_ns", p->est_ns);
            cJSON_AddStringToObject(pl, "note", "stages chosen for clock_ns by the xc7 delay model of docs/rtl.md; "
                                                "model_stage_ns is its longest stage, not a timing result");
        }
    } else if (p->io_stream) {
        cJSON_AddStringToObject(m, "formula", FF_RTL_STREAM_FORMULA);
    } else if (p->clock_ns > 0) {
        cJSON_AddStringToObject(m, "formula", FF_RTL_FORMULA_CLK);
        cJSON *pl = cJSON_AddObjectToObject(m, "pipeline");
        cJSON_AddNumberToObject(pl, "clock_ns", p->clock_ns);
        cJSON_AddNumberToObject(pl, "model_stage_ns", p->est_ns);
        cJSON_AddStringToObject(pl, "note", "stages chosen for clock_ns by the xc7 delay model of docs/rtl.md; "
                                            "model_stage_ns is its longest stage, not a timing result");
    } else {
        cJSON_AddStringToObject(m, "formula", FF_RTL_FORMULA);
    }
    cJSON *files = cJSON_AddArrayToObject(m, "rtl");
    char buf[512];
    snprintf(buf, sizeof buf, "rtl/%s_requant.v", p->top);
    cJSON_AddItemToArray(files, cJSON_CreateString(buf));
    int nfd = 0, *fd = ff_rtl_fifo_depths(p, &nfd);
    for (int i = 0; i < nfd; i++) {
        snprintf(buf, sizeof buf, "rtl/%s_fifo%d.v", p->top, fd[i]);
        cJSON_AddItemToArray(files, cJSON_CreateString(buf));
    }
    free(fd);
    int rqmul, rqact, rqsat;
    ff_rtl_plan_halves(p, &rqmul, &rqact, &rqsat);
    const char *halves[3] = {rqmul ? "rqmul" : NULL, rqact ? "rqact" : NULL, rqsat ? "rqsat" : NULL};
    for (int i = 0; i < 3; i++)
        if (halves[i]) {
            snprintf(buf, sizeof buf, "rtl/%s_%s.v", p->top, halves[i]);
            cJSON_AddItemToArray(files, cJSON_CreateString(buf));
        }
    if (ff_rtl_plan_splits(p) > 1) {
        snprintf(buf, sizeof buf, "rtl/%s_rqrnd.v", p->top);
        cJSON_AddItemToArray(files, cJSON_CreateString(buf));
    }
    for (int k = 0; k < p->nl; k++) {
        if (p->io_stream && k == p->nseg) {
            snprintf(buf, sizeof buf, "rtl/%s_collect.v", p->top);
            cJSON_AddItemToArray(files, cJSON_CreateString(buf));
        }
        if (p->l[k].stream && p->l[k].w.has_pad) {
            snprintf(buf, sizeof buf, "rtl/%s_pad.v", p->l[k].mod);
            cJSON_AddItemToArray(files, cJSON_CreateString(buf));
        }
        if (p->l[k].stream && p->l[k].w.has_win) {
            snprintf(buf, sizeof buf, "rtl/%s_win.v", p->l[k].mod);
            cJSON_AddItemToArray(files, cJSON_CreateString(buf));
        }
        if (p->l[k].kind != FF_RTL_WIRE) {
            snprintf(buf, sizeof buf, "rtl/%s.v", p->l[k].mod);
            cJSON_AddItemToArray(files, cJSON_CreateString(buf));
        }
    }
    snprintf(buf, sizeof buf, "rtl/%s.v", p->top);
    cJSON_AddItemToArray(files, cJSON_CreateString(buf));
    char *txt = cJSON_Print(m);
    cJSON_Delete(m);
    size_t len = strlen(txt);
    txt = ff_realloc(txt, len + 2);
    txt[len] = '\n';
    txt[len + 1] = 0;
    int rc = ff_emit_file(o->outdir, "manifest.json", txt, e);
    free(txt);
    return rc;
}

static int emit_rtl(const ff_qmodel *q, const ff_gen_opts *o, ff_err *e)
{
    ff_rtl_plan p;
    int rc = ff_rtl_plan_build_slices(q, o->model_path, o->io_stream, o->clock_set ? o->clock_ns : 0, o->slices, &p,
                                      e);
    if (rc)
        return rc;
    rc = check_part(&p, o, e);
    if (!rc)
        rc = ff_mkdirs(o->outdir, e);
    if (!rc)
        rc = ff_rtl_write_verilog(&p, o, e);
    if (!rc)
        rc = ff_rtl_write_shim(&p, o, e);
    char path[4096], sha[65] = "";
    if (!rc) {
        snprintf(path, sizeof path, "%s/model.ffq", o->outdir);
        rc = ff_ffq_write(q, path, 0, e);
    }
    if (!rc)
        rc = ff_sha256_file(path, sha, e);
    if (!rc)
        rc = write_manifest(&p, o, sha, e);
    if (!rc)
        fprintf(stderr, "fogforge: rtl%s: %d layers, %lld multipliers, latency %d cycles, II %d\n",
                p.io_stream ? " (io stream)" : "", p.nl, (long long)p.mults, p.latency, p.ii);
    if (!rc && p.clock_ns > 0)
        fprintf(stderr, "fogforge: rtl: pipelined for %g ns (delay model: longest stage ~%.1f ns%s)\n", p.clock_ns,
                p.est_ns, p.est_ns > p.clock_ns ? ", one operation alone is slower than the clock" : "");
    ff_rtl_plan_free(&p);
    return rc;
}

const ff_emitter ff_emitter_rtl = {"rtl", emit_rtl, "synthesizable Verilog + Verilator co-simulation"};
