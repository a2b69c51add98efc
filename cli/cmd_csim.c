/* fogforge csim: C simulation of a generated HLS project. Compiles the
 * firmware and the testbench with g++ (-std=c++14 -Wall -Werror), runs them
 * on the golden vectors (or N new ones from the integer reference), and on a
 * mismatch names the sample and the first layer whose output differs. */
#include "cli.h"

#include "emit_hls.h"
#include "exec.h"
#include "ffq.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char csim_usage[] = "fogforge csim DIR [-n N] [--seed S] [--cxx COMPILER]";

/* Runs argv with stdout+stderr to out_path; returns the exit status, or -1. */
static int run_capture(char *const argv[], const char *cwd, const char *out_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        FILE *f = fopen(out_path, "w");
        if (!f || (cwd && chdir(cwd) != 0))
            _exit(127);
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_ints(const char *path, int32_t **out, int64_t *n, ff_err *e)
{
    char *data;
    size_t len;
    int rc = ff_read_file(path, (size_t)1 << 30, &data, &len, e);
    if (rc)
        return rc;
    int64_t cap = 1024, k = 0;
    int32_t *v = ff_malloc((size_t)cap * sizeof *v);
    char *p = data, *end;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        long x = strtol(p, &end, 10);
        if (end == p) {
            free(v);
            free(data);
            return ff_errf(e, FF_EINPUT, "%s: not an integer at byte %ld", path, (long)(p - data));
        }
        if (k == cap)
            v = ff_realloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[k++] = (int32_t)x;
        p = end;
    }
    free(data);
    *out = v;
    *n = k;
    return FF_OK;
}

static void print_file(const char *path, FILE *to, int max_lines)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    for (int i = 0; fgets(line, sizeof line, f) && i < max_lines; i++)
        fputs(line, to);
    fclose(f);
}

/* Compares the testbench's per-layer trace of one sample with the reference. */
static void diagnose(const ff_qmodel *q, const char *trace_path, const int32_t *inputs, int64_t n_samples)
{
    FILE *f = fopen(trace_path, "r");
    if (!f) {
        printf("csim: no per-layer trace was written\n");
        return;
    }
    long sample = -1;
    if (fscanf(f, "sample %ld", &sample) != 1 || sample < 0 || sample >= n_samples) {
        fclose(f);
        printf("csim: unreadable per-layer trace %s\n", trace_path);
        return;
    }
    const ff_graph *g = q->g;
    ff_qplan *p = ff_qplan_new(q);
    int32_t *y = ff_malloc((size_t)ff_graph_out_size(g) * sizeof *y);
    ff_qplan_run(p, inputs + sample * ff_graph_in_size(g), y);
    int node, found = 0;
    while (!found && fscanf(f, "%d", &node) == 1) {
        if (node < 0 || node >= g->nn)
            break;
        const ff_node *n = &g->n[node];
        const int32_t *ref = ff_qplan_tensor(p, n->out);
        int64_t sz = ff_tensor_size(&g->t[n->out]), k = 0;
        long long v;
        int c;
        while ((c = fgetc(f)) == ' ') {
            if (fscanf(f, "%lld", &v) != 1)
                break;
            if (!found && (k >= sz || v != ref[k])) {
                if (k >= sz)
                    printf("csim: sample %ld: layer '%s' (%s, node %d) wrote more than its %lld outputs\n", sample,
                           n->name, ff_op_name(n->op), node, (long long)sz);
                else
                    printf("csim: sample %ld: first difference in layer '%s' (%s, node %d) at element %lld: "
                           "C++ %lld, reference %d\n",
                           sample, n->name, ff_op_name(n->op), node, (long long)k, v, ref[k]);
                found = 1;
            }
            k++;
        }
        if (!found && k != sz) {
            printf("csim: sample %ld: layer '%s' (%s, node %d) wrote %lld of its %lld outputs\n", sample, n->name,
                   ff_op_name(n->op), node, (long long)k, (long long)sz);
            found = 1;
        }
    }
    if (!found)
        printf("csim: sample %ld: every layer matches the reference; the difference is in the top-level wrappers\n",
               sample);
    fclose(f);
    free(y);
    ff_qplan_free(p);
}

static int manifest_name(const char *dir, char *name, size_t n, ff_err *e)
{
    char path[4096], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = ff_read_file(path, 16u << 20, &data, &len, e);
    if (rc)
        return ff_errf(e, FF_EINPUT, "csim: %s is not a generated HLS project (no readable manifest.json)", dir);
    cJSON *root = cJSON_Parse(data);
    free(data);
    const cJSON *be = cJSON_GetObjectItemCaseSensitive(root, "backend");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!root || !cJSON_IsString(be) || strcmp(be->valuestring, "hls") || !cJSON_IsString(nm) ||
        strspn(nm->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            strlen(nm->valuestring) || !nm->valuestring[0]) {
        cJSON_Delete(root);
        return ff_errf(e, FF_EINPUT, "csim: %s: manifest.json is not that of an hls project", path);
    }
    snprintf(name, n, "%s", nm->valuestring);
    cJSON_Delete(root);
    return FF_OK;
}

int ff_cmd_csim(int argc, char **argv)
{
    static const struct option opts[] = {{"seed", required_argument, 0, 's'},
                                         {"cxx", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0}};
    long nvec = 0, seed = 1;
    const char *cxx = getenv("CXX") ? getenv("CXX") : "g++";
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!ff_cli_long("csim", "-n", optarg, 1, 10000000, &nvec))
                return 2;
            break;
        case 's':
            if (!ff_cli_long("csim", "--seed", optarg, 1, 0x7fffffff, &seed))
                return 2;
            break;
        case 'c': cxx = optarg; break;
        case 'h':
            printf("usage: %s\n\nCompiles DIR/firmware and DIR/tb with %s -std=c++14 -Wall -Wextra -Werror and runs\n"
                   "the C simulation through the Vitis kernel top and the AXI4-Stream top, bit for bit\n"
                   "against the integer reference. Default vectors: DIR/tb_data; -n N draws N new ones\n"
                   "(written to DIR/csim/). Exit 0 when every output matches, 1 otherwise.\n",
                   csim_usage, "g++");
            return 0;
        default: return ff_cli_usage("csim", csim_usage);
        }
    }
    if (optind != argc - 1)
        return ff_cli_usage("csim", csim_usage);
    const char *dir = argv[optind];
    ff_err e = {0};
    char top[128];
    if (manifest_name(dir, top, sizeof top, &e))
        return ff_cli_err(&e);
    char path[4096], wdir[4096];
    snprintf(path, sizeof path, "%s/model.ffq", dir);
    ff_qmodel *q;
    if (ff_ffq_read(path, &q, &e))
        return ff_cli_err(&e);
    snprintf(wdir, sizeof wdir, "%s/csim", dir);
    if (ff_mkdirs(wdir, &e)) {
        ff_qmodel_free(q);
        return ff_cli_err(&e);
    }
    char in_path[4200], gold_path[4200], trace_path[4200], log_path[4200], bin_path[4200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.txt", wdir);
    snprintf(log_path, sizeof log_path, "%s/log.txt", wdir);
    snprintf(bin_path, sizeof bin_path, "%s/csim_tb", wdir);
    int rc = FF_OK;
    int64_t in_size = ff_graph_in_size(q->g), out_size = ff_graph_out_size(q->g);
    if (nvec) {
        int32_t *x, *y;
        ff_hls_make_vectors(q, nvec, (uint64_t)seed * 0x9e3779b97f4a7c15ull, &x, &y);
        ff_sb b = {0};
        for (int pass = 0; pass < 2 && !rc; pass++) {
            const int32_t *v = pass ? y : x;
            int64_t w = pass ? out_size : in_size;
            b.n = 0;
            for (int64_t i = 0; i < nvec; i++)
                for (int64_t k = 0; k < w; k++)
                    ff_sb_printf(&b, "%d%c", v[i * w + k], k + 1 == w ? '\n' : ' ');
            rc = ff_emit_file(wdir, pass ? "tb_output.dat" : "tb_input.dat", ff_sb_str(&b), &e);
        }
        ff_sb_free(&b);
        free(x);
        free(y);
        snprintf(in_path, sizeof in_path, "%s/tb_input.dat", wdir);
        snprintf(gold_path, sizeof gold_path, "%s/tb_output.dat", wdir);
    } else {
        snprintf(in_path, sizeof in_path, "%s/tb_data/tb_input.dat", dir);
        snprintf(gold_path, sizeof gold_path, "%s/tb_data/tb_output.dat", dir);
    }
    int32_t *inputs = NULL;
    int64_t n_in = 0;
    if (!rc)
        rc = read_ints(in_path, &inputs, &n_in, &e);
    if (rc) {
        ff_qmodel_free(q);
        return ff_cli_err(&e);
    }

    /* one g++ invocation: every firmware .cpp and the testbench */
    char fw[4200];
    snprintf(fw, sizeof fw, "%s/firmware", dir);
    DIR *d = opendir(fw);
    if (!d) {
        free(inputs);
        ff_qmodel_free(q);
        return ff_cli_fail(2, "csim: %s: no firmware/ directory", dir);
    }
    char *args[256];
    int na = 0;
    char incl[4300];
    snprintf(incl, sizeof incl, "-I%s", fw);
    args[na++] = (char *)cxx;
    args[na++] = "-std=c++14";
    args[na++] = "-Wall";
    args[na++] = "-Wextra";
    args[na++] = "-Werror";
    args[na++] = "-O1";
    args[na++] = "-DFF_CSIM_TRACE";
    args[na++] = incl;
    int first_src = na;
    struct dirent *de;
    while ((de = readdir(d)) && na < 240) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".cpp")) {
            char *s = ff_malloc(strlen(fw) + l + 2);
            sprintf(s, "%s/%s", fw, de->d_name);
            args[na++] = s;
        }
    }
    closedir(d);
    qsort(args + first_src, (size_t)(na - first_src), sizeof args[0], cmp_str);
    int last_src = na;
    char tb[4300];
    snprintf(tb, sizeof tb, "%s/tb/tb_%s.cpp", dir, top);
    args[na++] = tb;
    args[na++] = "-o";
    args[na++] = bin_path;
    args[na] = NULL;
    int st = run_capture(args, NULL, log_path);
    for (int i = first_src; i < last_src; i++)
        free(args[i]);
    if (st != 0) {
        print_file(log_path, stderr, 40);
        free(inputs);
        ff_qmodel_free(q);
        return ff_cli_fail(1, "csim: %s failed to compile %s (exit %d; full log in %s)", cxx, dir, st, log_path);
    }

    /* run it */
    unlink(trace_path);
    char *targs[] = {bin_path, in_path, gold_path, trace_path, NULL};
    st = run_capture(targs, NULL, log_path);
    print_file(log_path, stdout, 30);
    if (st == 1)
        diagnose(q, trace_path, inputs, n_in / (in_size ? in_size : 1));
    free(inputs);
    ff_qmodel_free(q);
    if (st == 0)
        return 0;
    if (st == 1)
        return 1;
    return ff_cli_fail(st == 2 ? 2 : 1, "csim: the testbench failed (exit %d; log in %s)", st, log_path);
}
