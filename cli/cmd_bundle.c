/* fogforge bundle create|verify|list|add: package a quantized model with its
 * accelerator artifacts, check a bundle, list a registry directory, add an
 * xclbin built elsewhere. */
#include "cli.h"

#include "bundle.h"
#include "emit.h"
#include "emit_rtl.h"
#include "estimate.h"
#include "model.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char bundle_usage[] = "fogforge bundle create|verify|list|add ... (fogforge bundle --help)";
static const char create_usage[] =
    "fogforge bundle create MODEL [--config CONFIG.json | --wbits N --abits N] [--calib FILE] "
    "[--reuse N] [--with opencl,rtl,hls] [--sim-cache DIR] [--name NAME] [--version V] [--part PART] [--clock NS] [--io parallel|stream] [--slices] [--estimate FILE.json] "
    "[--measured FILE.json] -o BUNDLE";

static int read_opt_file(const char *path, char **out, ff_err *e)
{
    *out = NULL;
    if (!path)
        return FF_OK;
    size_t len;
    return ff_read_file(path, 1 << 20, out, &len, e);
}

static int cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'q'}, {"wbits", required_argument, 0, 'W'},
        {"abits", required_argument, 0, 'A'},  {"calib", required_argument, 0, 'c'},
        {"with", required_argument, 0, 'w'},   {"name", required_argument, 0, 'n'},
        {"version", required_argument, 0, 'V'}, {"part", required_argument, 0, 'p'},
        {"clock", required_argument, 0, 'k'},  {"estimate", required_argument, 0, 'E'},
        {"measured", required_argument, 0, 'M'}, {"output", required_argument, 0, 'o'},
        {"reuse", required_argument, 0, 'R'},  {"sim-cache", required_argument, 0, 'S'},
        {"io", required_argument, 0, 'I'},     {"slices", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},         {0}};
    ff_quant_opts qo = {0};
    ff_bundle_spec sp = {0};
    const char *out = NULL, *with = "opencl", *est = NULL, *meas = NULL;
    sp.part = FF_DEFAULT_PART;
    sp.clock_ns = FF_DEFAULT_CLOCK_NS;
    long v;
    int c, io = -1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': qo.config = optarg; break;
        case 'c': qo.calib = optarg; break;
        case 'I':
            if ((io = ff_cli_io("bundle create", optarg)) < 0)
                return 2;
            break;
        case 'W':
            if (!ff_cli_long("bundle create", "--wbits", optarg, 2, 16, &v))
                return 2;
            qo.wbits = (int)v;
            break;
        case 'A':
            if (!ff_cli_long("bundle create", "--abits", optarg, 2, 16, &v))
                return 2;
            qo.abits = (int)v;
            break;
        case 'R':
            if (!ff_cli_long("bundle create", "--reuse", optarg, 1, 1 << 20, &v))
                return 2;
            qo.reuse = (int)v;
            break;
        case 'S': sp.sim_cache = optarg; break;
        case 'L': sp.slices = 1; break;
        case 'w': with = optarg; break;
        case 'n': sp.name = optarg; break;
        case 'V': sp.version = optarg; break;
        case 'p': sp.part = optarg; break;
        case 'k':
            if (!ff_cli_double("bundle create", "--clock", optarg, 0.5, 1000, &sp.clock_ns))
                return 2;
            sp.clock_set = 1;
            break;
        case 'E': est = optarg; break;
        case 'M': meas = optarg; break;
        case 'o': out = optarg; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Quantizes MODEL (.onnx, or an .ffq as is) and writes a bundle: a directory, or a\n"
                   "tar when BUNDLE ends in .tar, holding manifest.json (I/O shapes, scales, per-layer\n"
                   "config, target, estimate, measured figures, sha256 of every artifact) and:\n"
                   "  model.ffq        the quantized model (always)\n"
                   "  opencl/model.cl  OpenCL C kernels (--with opencl, the default)\n"
                   "  hls/...          the Vitis HLS project of fogforge gen --backend hls (--with hls)\n"
                   "  rtl/...          the RTL project of fogforge gen --backend rtl (--with rtl)\n"
                   "  verilator/libffsim.so  its Verilated library, for --backend verilator (--with rtl;\n"
                   "                   built quietly, 20-40 s; --sim-cache DIR keeps the build for reuse)\n"
                   "--reuse N sets every layer's reuse factor (overrides the config); the RTL must fit\n"
                   "--part (default " FF_DEFAULT_PART ").\n"
                   "--clock NS and --io parallel|stream (or the config's Model.io) shape the RTL and HLS\n"
                   "projects as they do for fogforge gen, and the estimate states that design's latency.\n"
                   "--slices (with --with rtl, io parallel) puts gen --slices' register slices in the RTL\n"
                   "project; the estimate is then of the sliced design (estimate --slices).\n"
                   "An xclbin built elsewhere is added with fogforge bundle add.\n",
                   create_usage);
            return 0;
        default: return ff_cli_usage("bundle create", create_usage);
        }
    }
    if (optind != argc - 1 || !out)
        return ff_cli_usage("bundle create", create_usage);
    if (!ff_part_find(sp.part))
        return ff_cli_fail(2, "bundle create: unknown part '%s' (known: %s)", sp.part, ff_part_names());
    char wl[256];
    snprintf(wl, sizeof wl, "%s", with);
    for (char *tok = strtok(wl, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "opencl"))
            sp.with_opencl = 1;
        else if (!strcmp(tok, "rtl") || !strcmp(tok, "hls")) {
            if (!ff_emitter_find(tok))
                return ff_cli_fail(2, "bundle create: --with %s: the %s back-end is not part of this build", tok, tok);
            if (sp.n_projects < 4)
                sp.with_projects[sp.n_projects++] = !strcmp(tok, "rtl") ? "rtl" : "hls";
        }
        else if (strcmp(tok, "none"))
            return ff_cli_fail(2, "bundle create: --with wants a list of opencl, rtl, hls; got '%s'", tok);
    }
    sp.model_path = argv[optind];
    int with_rtl = 0;
    for (int i = 0; i < sp.n_projects; i++)
        with_rtl |= !strcmp(sp.with_projects[i], "rtl");
    if (sp.slices && !with_rtl)
        return ff_cli_fail(2, "bundle create: --slices shapes the RTL project; add --with rtl");
    /* the config's Model.slices too, when there is an RTL project to shape */
    int rc0 = ff_cli_io_mode(qo.config, io, &sp.io_stream, with_rtl ? &sp.slices : NULL);
    if (rc0)
        return rc0;
    if (sp.slices && sp.io_stream)
        return ff_cli_fail(2, "bundle create: %s", FF_RTL_SLICES_NOT_STREAM);
    ff_err e = {0};
    char *estj = NULL, *measj = NULL;
    if (read_opt_file(est, &estj, &e) || read_opt_file(meas, &measj, &e)) {
        free(estj);
        return ff_cli_err(&e);
    }
    sp.estimate_json = estj;
    sp.measured_json = measj;
    ff_qmodel *q;
    int rc = ff_model_load_quant(sp.model_path, &qo, &q, &e);
    if (!rc && !estj) {
        /* no --estimate: the surrogate's (learned when installed, else
         * analytical) for the RTL design of this configuration */
        ff_surrogate *s = NULL;
        ff_estimate r;
        ff_err ee = {0};
        char sbuf[4096];
        const char *sdir = ff_surrogate_default_dir(sbuf, sizeof sbuf);
        if (!sdir || ff_surrogate_open(sdir, &s, &ee))
            s = ff_surrogate_analytic();
        /* the design gen builds with the same --clock, --io and --slices */
        if (!ff_estimate_model_slices(q, sp.model_path, s, ff_part_find(sp.part), sp.clock_ns,
                                      sp.clock_set ? sp.clock_ns : 0, sp.io_stream, sp.slices, &r, &ee)) {
            estj = ff_estimate_json(&r);
            ff_estimate_free(&r);
        } else if (ee.msg[0]) {
            fprintf(stderr, "fogforge: bundle create: no estimate in the manifest: %s\n", ee.msg);
        }
        ff_surrogate_free(s);
        sp.estimate_json = estj;
    }
    if (!rc) {
        rc = ff_bundle_create(q, &sp, out, &e);
        ff_qmodel_free(q);
    }
    free(estj);
    free(measj);
    if (rc)
        return ff_cli_err(&e);
    fprintf(stderr, "fogforge: wrote bundle %s\n", out);
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: fogforge bundle verify BUNDLE [--json]\n\n"
                   "Checks the manifest (format, version, digest) and the sha256 of every artifact;\n"
                   "exit 0 when the bundle is intact, 2 with the reason when not.\n");
            return 0;
        } else if (!path && argv[i][0] != '-')
            path = argv[i];
        else
            return ff_cli_usage("bundle verify", "fogforge bundle verify BUNDLE [--json]");
    }
    if (!path)
        return ff_cli_usage("bundle verify", "fogforge bundle verify BUNDLE [--json]");
    ff_err e = {0};
    ff_bundle *b;
    int rc = ff_bundle_load(path, 1, &b, &e);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "bundle", path);
        cJSON_AddBoolToObject(o, "ok", rc == 0);
        cJSON_AddStringToObject(o, rc ? "error" : "name", rc ? e.msg : b->name);
        char *s = cJSON_PrintUnformatted(o);
        puts(s);
        free(s);
        cJSON_Delete(o);
    }
    if (rc)
        return ff_cli_err(&e);
    if (!json)
        printf("%s: ok (bundle '%s', %d artifact%s, sha256 verified)\n", path, b->name,
               cJSON_GetArraySize(cJSON_GetObjectItem(b->manifest, "artifacts")),
               cJSON_GetArraySize(cJSON_GetObjectItem(b->manifest, "artifacts")) == 1 ? "" : "s");
    ff_bundle_close(b);
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    const char *dir = "bitstreams";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: fogforge bundle list [DIR] [--json]\n\nLists the bundles (directories and .tar files) "
                   "in DIR (default bitstreams/), verifying each.\n");
            return 0;
        } else
            dir = argv[i];
    }
    DIR *d = opendir(dir);
    if (!d)
        return ff_cli_fail(2, "bundle list: cannot read %s", dir);
    struct dirent *de;
    char **names = NULL;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/manifest.json", dir, de->d_name);
        size_t l = strlen(de->d_name);
        int is_tar = l > 4 && !strcmp(de->d_name + l - 4, ".tar");
        if (stat(p, &st) != 0 && !is_tar)
            continue;
        names = ff_realloc(names, (size_t)(n + 1) * sizeof *names);
        names[n++] = ff_strdup(de->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) /* sorted output */
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    cJSON *arr = cJSON_CreateArray();
    if (!json)
        printf("%-28s %-20s %-8s %-20s %-24s %s\n", "bundle", "name", "version", "created", "artifacts", "status");
    for (int i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        ff_err e = {0};
        ff_bundle *b;
        int rc = ff_bundle_load(p, 0, &b, &e);
        char kinds[128] = "";
        const char *name = "?", *ver = "?", *created = "?";
        if (!rc) {
            const cJSON *a;
            cJSON_ArrayForEach(a, cJSON_GetObjectItem(b->manifest, "artifacts")) {
                const cJSON *k = cJSON_GetObjectItem(a, "kind");
                snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", kinds[0] ? "," : "",
                         cJSON_IsString(k) ? k->valuestring : "?");
            }
            name = b->name;
            const cJSON *v = cJSON_GetObjectItem(b->manifest, "version"), *c = cJSON_GetObjectItem(b->manifest, "created");
            ver = cJSON_IsString(v) ? v->valuestring : "?";
            created = cJSON_IsString(c) ? c->valuestring : "?";
        }
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", p);
            cJSON_AddBoolToObject(o, "ok", rc == 0);
            if (rc) {
                cJSON_AddStringToObject(o, "error", e.msg);
            } else {
                cJSON_AddStringToObject(o, "name", name);
                cJSON_AddStringToObject(o, "version", ver);
                cJSON_AddStringToObject(o, "created", created);
                cJSON_AddStringToObject(o, "artifacts", kinds);
            }
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-28s %-20s %-8s %-20s %-24s %s\n", names[i], name, ver, created, kinds, rc ? "INVALID" : "ok");
            if (rc)
                printf("    %s\n", e.msg);
        }
        if (!rc)
            ff_bundle_close(b);
        free(names[i]);
    }
    free(names);
    if (json) {
        char *s = cJSON_Print(arr);
        puts(s);
        free(s);
    }
    cJSON_Delete(arr);
    return 0;
}

static int cmd_add(int argc, char **argv)
{
    static const struct option opts[] = {{"xclbin", required_argument, 0, 'x'},
                                         {"verilator", required_argument, 0, 'v'},
                                         {"kernel", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0}};
    static const char usage[] = "fogforge bundle add BUNDLE --xclbin FILE [--kernel NAME] | --verilator LIB.so";
    const char *x = NULL, *vl = NULL, *kernel = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'x': x = optarg; break;
        case 'v': vl = optarg; break;
        case 'k': kernel = optarg; break;
        case 'h':
            printf("usage: %s\n\nAdds (or replaces) an .xclbin built with Vitis on another machine, or a Verilated\n"
                   "model's library (fogforge sim DIR --lib); the bundle must verify first. --kernel names\n"
                   "the xclbin's kernel (default <bundle name>_kernel, as the HLS back-end names it).\n",
                   usage);
            return 0;
        default: return ff_cli_usage("bundle add", usage);
        }
    }
    if (optind != argc - 1 || !x == !vl)
        return ff_cli_usage("bundle add", usage);
    ff_err e = {0};
    int rc;
    char rel[512];
    if (x) {
        const char *base = strrchr(x, '/');
        snprintf(rel, sizeof rel, "xclbin/%s", base ? base + 1 : x);
        cJSON *extra = cJSON_CreateObject();
        if (kernel)
            cJSON_AddStringToObject(extra, "kernel", kernel);
        rc = ff_bundle_add_file(argv[optind], "xclbin", x, rel, extra, &e);
        cJSON_Delete(extra);
    } else {
        snprintf(rel, sizeof rel, "verilator/libffsim.so");
        rc = ff_bundle_add_file(argv[optind], "verilator", vl, rel, NULL, &e);
    }
    if (rc)
        return ff_cli_err(&e);
    fprintf(stderr, "fogforge: added %s to %s\n", rel, argv[optind]);
    return 0;
}

int ff_cmd_bundle(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (argc < 2)
            return ff_cli_usage("bundle", bundle_usage);
        printf("usage: fogforge bundle <subcommand>\n\n"
               "  create MODEL ... -o BUNDLE   package a model and its accelerator artifacts\n"
               "  verify BUNDLE                check the manifest and every checksum\n"
               "  list [DIR]                   list the bundles in DIR (default bitstreams/)\n"
               "  add BUNDLE --xclbin FILE     add an xclbin built with Vitis\n");
        return 0;
    }
    const char *sub = argv[1];
    optind = 1;
    if (!strcmp(sub, "create"))
        return cmd_create(argc - 1, argv + 1);
    if (!strcmp(sub, "verify"))
        return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return cmd_list(argc - 1, argv + 1);
    if (!strcmp(sub, "add"))
        return cmd_add(argc - 1, argv + 1);
    return ff_cli_fail(2, "bundle: unknown subcommand '%s' (create, verify, list, add)", sub);
}
