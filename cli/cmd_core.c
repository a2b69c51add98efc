/* fogforge inspect, run, quantize: the core commands. */
#include "cli.h"

#include "exec.h"
#include "model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void shape_str(const ff_tensor *t, char *buf, size_t n)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, n - o, "[");
    for (int i = 0; i < t->rank && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? "," : "", (long long)t->dims[i]);
    if (o < n)
        snprintf(buf + o, n - o, "]");
}

static const char inspect_usage[] = "fogforge inspect MODEL [--json]";

int ff_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0}};
    int json = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h') {
            printf("usage: %s\n\nShows the model after the optimization passes: each layer with its op, fused\n"
                   "activation, input and output shapes, parameters and MACs, and what the passes\n"
                   "folded away. MODEL is an .onnx or .ffq file.\n",
                   inspect_usage);
            return 0;
        } else
            return ff_cli_usage("inspect", inspect_usage);
    }
    if (optind != argc - 1)
        return ff_cli_usage("inspect", inspect_usage);
    const char *path = argv[optind];
    ff_err e = {0};
    ff_graph *g;
    if (ff_model_load_graph(path, &g, &e))
        return ff_cli_err(&e);
    int64_t tp = 0, tm = 0;
    char a[96], b[96];
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "model", path);
        cJSON_AddStringToObject(root, "sha256", g->source_sha256);
        cJSON_AddNumberToObject(root, "opset", (double)g->opset);
        cJSON_AddStringToObject(root, "producer", g->producer);
        shape_str(&g->t[g->input], a, sizeof a);
        shape_str(&g->t[g->output], b, sizeof b);
        cJSON_AddStringToObject(root, "input_shape", a);
        cJSON_AddStringToObject(root, "output_shape", b);
        cJSON *ls = cJSON_AddArrayToObject(root, "layers");
        for (int i = 0; i < g->nn; i++) {
            const ff_node *n = &g->n[i];
            cJSON *l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "name", n->name);
            cJSON_AddStringToObject(l, "op", ff_op_name(n->op));
            cJSON_AddStringToObject(l, "onnx_op", n->onnx_op);
            cJSON_AddStringToObject(l, "activation", ff_act_name(n->act));
            shape_str(&g->t[n->in[0]], a, sizeof a);
            shape_str(&g->t[n->out], b, sizeof b);
            cJSON_AddStringToObject(l, "in", a);
            cJSON_AddStringToObject(l, "out", b);
            cJSON_AddNumberToObject(l, "params", (double)ff_node_params(n));
            cJSON_AddNumberToObject(l, "macs", (double)ff_node_macs(g, n));
            tp += ff_node_params(n);
            tm += ff_node_macs(g, n);
            cJSON_AddItemToArray(ls, l);
        }
        cJSON_AddNumberToObject(root, "params", (double)tp);
        cJSON_AddNumberToObject(root, "macs", (double)tm);
        cJSON *f = cJSON_AddArrayToObject(root, "folded");
        for (char *s = g->folded; s && *s;) {
            char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            char *line = ff_malloc(len + 1);
            memcpy(line, s, len);
            line[len] = 0;
            cJSON_AddItemToArray(f, cJSON_CreateString(line));
            free(line);
            s += len + (nl ? 1 : 0);
        }
        char *out = cJSON_Print(root);
        puts(out);
        cJSON_free(out);
        cJSON_Delete(root);
    } else {
        shape_str(&g->t[g->input], a, sizeof a);
        shape_str(&g->t[g->output], b, sizeof b);
        printf("model:    %s\nsha256:   %s\nproducer: %s, opset %lld\ninput:    %s %s\noutput:   %s %s\n\n", path,
               g->source_sha256, g->producer[0] ? g->producer : "?", (long long)g->opset, g->t[g->input].name, a,
               g->t[g->output].name, b);
        printf("%-3s %-36s %-18s %-10s %-14s %-14s %9s %10s\n", "#", "layer", "op", "act", "in", "out", "params",
               "MACs");
        for (int i = 0; i < g->nn; i++) {
            const ff_node *n = &g->n[i];
            shape_str(&g->t[n->in[0]], a, sizeof a);
            shape_str(&g->t[n->out], b, sizeof b);
            printf("%-3d %-36.36s %-18s %-10s %-14s %-14s %9lld %10lld\n", i, n->name, ff_op_name(n->op),
                   ff_act_name(n->act), a, b, (long long)ff_node_params(n), (long long)ff_node_macs(g, n));
            tp += ff_node_params(n);
            tm += ff_node_macs(g, n);
        }
        printf("total: %d layers, %lld parameters, %lld MACs\n", g->nn, (long long)tp, (long long)tm);
        if (g->folded)
            printf("\nfolded by the passes:\n%s", g->folded);
    }
    ff_graph_free(g);
    return 0;
}

/* Options shared by run and quantize. */
typedef struct {
    ff_quant_opts q;
    int quant;
} qargs;

static int quant_opt(const char *cmd, int c, const char *arg, qargs *a)
{
    long v;
    double d;
    switch (c) {
    case 'q':
        a->q.config = arg;
        a->quant = 1;
        return 1;
    case 'W':
        if (!ff_cli_long(cmd, "--wbits", arg, 2, 16, &v))
            return -1;
        a->q.wbits = (int)v;
        a->quant = 1;
        return 1;
    case 'A':
        if (!ff_cli_long(cmd, "--abits", arg, 2, 16, &v))
            return -1;
        a->q.abits = (int)v;
        a->quant = 1;
        return 1;
    case 'c':
        a->q.calib = arg;
        a->quant = 1;
        return 1;
    case 'P':
        if (!ff_cli_double(cmd, "--percentile", arg, 50, 100, &d))
            return -1;
        a->q.percentile = d;
        return 1;
    case 'M':
        a->q.mse = 1;
        return 1;
    }
    return 0;
}

static const char run_usage[] =
    "fogforge run MODEL --input IN [--quant CONFIG | --wbits N --abits N] [--calib FILE] [--percentile P] [--raw] "
    "[--float] [-o OUT]";

int ff_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'}, {"quant", required_argument, 0, 'q'},
        {"wbits", required_argument, 0, 'W'}, {"abits", required_argument, 0, 'A'},
        {"calib", required_argument, 0, 'c'}, {"percentile", required_argument, 0, 'P'},
        {"mse", no_argument, 0, 'M'},         {"raw", no_argument, 0, 'r'},         {"float", no_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {0}};
    qargs qa = {0};
    const char *in = NULL, *outp = NULL;
    int raw = 0, force_float = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:o:h", opts, NULL)) != -1) {
        int r = quant_opt("run", c, optarg, &qa);
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'i': in = optarg; break;
        case 'o': outp = optarg; break;
        case 'r': raw = 1; break;
        case 'f': force_float = 1; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Runs MODEL (.onnx or .ffq) on every sample of IN (text: one sample per line,\n"
                   "whitespace-separated, flattened in the model's input layout; or .npy) and writes\n"
                   "one output line per sample (%%.9g) to OUT or stdout.\n\n"
                   "  --quant CONFIG     integer reference with a per-layer config (JSON)\n"
                   "  --wbits N --abits N integer reference with N-bit weights / activations\n"
                   "  --calib FILE       calibration samples (default: 1000 synthetic N(0,1) samples)\n"
                   "  --percentile P     clip activation ranges at the P-th percentile (default 100)\n"
                   "  --raw              print the raw integers of the integer reference (implies it)\n"
                   "  --float            run an .ffq model's float graph instead of its integers\n"
                   "An .onnx model runs the float reference unless a quantization option is given;\n"
                   "an .ffq model runs the integer reference unless --float is given.\n",
                   run_usage);
            return 0;
        default:
            return ff_cli_usage("run", run_usage);
        }
    }
    if (optind != argc - 1 || !in)
        return ff_cli_usage("run", run_usage);
    const char *path = argv[optind];
    int quant = (qa.quant || raw || ff_path_is_ffq(path)) && !force_float;
    if (force_float && (qa.quant || raw))
        return ff_cli_fail(2, "run: --float cannot be combined with quantization options or --raw");
    ff_err e = {0};
    ff_samples s = {0};
    int rc = 0;
    if (!quant) {
        ff_graph *g;
        if (ff_model_load_graph(path, &g, &e))
            return ff_cli_err(&e);
        int64_t isz = ff_graph_in_size(g), osz = ff_graph_out_size(g);
        if (ff_samples_read(in, isz, &s, &e)) {
            ff_graph_free(g);
            return ff_cli_err(&e);
        }
        float *out = ff_malloc((size_t)(s.n * osz) * sizeof(float));
        ff_fplan *p = ff_fplan_new(g);
        for (int64_t k = 0; k < s.n; k++)
            ff_fplan_run(p, s.data + k * isz, out + k * osz, NULL, NULL);
        ff_fplan_free(p);
        rc = ff_samples_write_float(outp, out, s.n, osz, &e);
        free(out);
        ff_graph_free(g);
    } else {
        ff_qmodel *q;
        if (ff_model_load_quant(path, &qa.q, &q, &e))
            return ff_cli_err(&e);
        int64_t isz = ff_graph_in_size(q->g), osz = ff_graph_out_size(q->g);
        if (ff_samples_read(in, isz, &s, &e)) {
            ff_qmodel_free(q);
            return ff_cli_err(&e);
        }
        int32_t *qx = ff_malloc((size_t)isz * sizeof *qx);
        int32_t *qy = ff_malloc((size_t)(s.n * osz) * sizeof *qy);
        ff_qplan *p = ff_qplan_new(q);
        for (int64_t k = 0; k < s.n; k++) {
            ff_quantize_input(q, s.data + k * isz, qx);
            ff_qplan_run(p, qx, qy + k * osz);
        }
        ff_qplan_free(p);
        if (raw) {
            rc = ff_samples_write_int(outp, qy, s.n, osz, &e);
        } else {
            float *out = ff_malloc((size_t)(s.n * osz) * sizeof(float));
            for (int64_t k = 0; k < s.n; k++)
                ff_dequantize_output(q, qy + k * osz, out + k * osz);
            rc = ff_samples_write_float(outp, out, s.n, osz, &e);
            free(out);
        }
        free(qx);
        free(qy);
        ff_qmodel_free(q);
    }
    ff_samples_free(&s);
    return rc ? ff_cli_err(&e) : 0;
}

static const char quantize_usage[] =
    "fogforge quantize MODEL [--calib FILE] [--percentile P] [--config CONFIG.json | --wbits N --abits N] "
    "[--reuse R] [--json-arrays] -o MODEL.ffq";

int ff_cmd_quantize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'q'}, {"quant", required_argument, 0, 'q'},
        {"wbits", required_argument, 0, 'W'},  {"abits", required_argument, 0, 'A'},
        {"calib", required_argument, 0, 'c'},  {"percentile", required_argument, 0, 'P'},
        {"reuse", required_argument, 0, 'R'},  {"output", required_argument, 0, 'o'},
        {"json-arrays", no_argument, 0, 'J'},  {"help", no_argument, 0, 'h'},
        {0}};
    qargs qa = {0};
    int flags = 0;
    const char *outp = NULL;
    int c;
    long v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        int r = quant_opt("quantize", c, optarg, &qa);
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'o': outp = optarg; break;
        case 'J': flags |= FF_FFQ_PLAIN; break;
        case 'R':
            if (!ff_cli_long("quantize", "--reuse", optarg, 1, 1 << 20, &v))
                return 2;
            qa.q.reuse = (int)v;
            break;
        case 'h':
            printf("usage: %s\n\n"
                   "Quantizes MODEL (.onnx) to integer-only arithmetic (docs/integer-arithmetic.md)\n"
                   "and writes the quantized model (.ffq) that gen, sim, estimate and bundle accept.\n"
                   "CONFIG sets bits and reuse by Model / LayerType / LayerName (docs/config.md).\n"
                   "Weights, biases and tables are written packed (base64 of little-endian values,\n"
                   "docs/ffq-format.md); --json-arrays writes them as JSON numbers, for jq and diff.\n",
                   quantize_usage);
            return 0;
        default:
            return ff_cli_usage("quantize", quantize_usage);
        }
    }
    if (optind != argc - 1 || !outp)
        return ff_cli_usage("quantize", quantize_usage);
    const char *path = argv[optind];
    if (ff_path_is_ffq(path))
        return ff_cli_fail(2, "quantize: %s is already quantized", path);
    ff_err e = {0};
    ff_qmodel *q;
    if (ff_model_load_quant(path, &qa.q, &q, &e))
        return ff_cli_err(&e);
    int rc = ff_ffq_write(q, outp, flags, &e);
    if (!rc)
        fprintf(stderr, "fogforge: wrote %s (%d layers; calibration: %s)\n", outp, q->g->nn, q->calib_desc);
    ff_qmodel_free(q);
    return rc ? ff_cli_err(&e) : 0;
}
