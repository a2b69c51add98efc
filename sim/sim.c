/* Verilator co-simulation: builds an rtl project as a shared library (cached
 * by content hash), loads it with dlopen, drives vectors with random
 * valid/ready stalls and checks every output against the integer reference
 * (ff_qplan_run on the project's model.ffq); measures latency and II. */
#include "sim.h"

#include "dataio.h"
#include "emit.h"
#include "exec.h"
#include "ffq.h"
#include "ffsim.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERILATOR_FLAGS                                                                                          \
    "--cc --exe --x-assign 0 --x-initial 0 -Wno-fatal -Wno-lint -Wno-style --unroll-count 100000 " \
    "--unroll-stmts 1000000 --output-split 4000"


typedef struct ff_sb_hash {
    char *buf;
    size_t n, cap;
} ff_sb_hash;

static void hadd(ff_sb_hash *h, const void *p, size_t n)
{
    if (h->n + n > h->cap) {
        h->cap = (h->n + n) * 2 + 4096;
        h->buf = ff_realloc(h->buf, h->cap);
    }
    memcpy(h->buf + h->n, p, n);
    h->n += n;
}

/* adds the file's name relative to the project (so copies of a project
 * share builds) and its content */
static void free_strs(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void hash_add_file(ff_sb_hash *h, const char *dir, const char *path)
{
    char *d;
    size_t len;
    ff_err e = {0};
    const char *rel = strncmp(path, dir, strlen(dir)) ? path : path + strlen(dir);
    hadd(h, rel, strlen(rel) + 1);
    if (ff_read_file(path, (size_t)1 << 30, &d, &len, &e) == FF_OK) {
        hadd(h, d, len);
        free(d);
    }
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* copies src to dst (a fresh file, so its mtime is now); 0 on success */
static int copy_file(const char *src, const char *dst)
{
    char *d;
    size_t n;
    ff_err e = {0};
    if (ff_read_file(src, (size_t)1 << 28, &d, &n, &e) != FF_OK)
        return -1;
    FILE *f = fopen(dst, "wb");
    int ok = f && fwrite(d, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    free(d);
    if (!ok)
        remove(dst);
    return ok ? 0 : -1;
}

/* Verilator's runtime objects: the same for every design built with the
 * same Verilator, flags and trace setting. Kept beside the cached libraries
 * and copied into a new build's object dir after verilator has written its
 * makefile (newer than the makefile, so make does not rebuild them). */
static const char *const rt_objs[] = {"verilated.o", "verilated_threads.o", "verilated_fst_c.o"};

static void rt_objs_io(const char *rtdir, const char *obj, int save)
{
    char a[4400], b[4400];
    if (save)
        mkdir(rtdir, 0755);
    for (size_t i = 0; i < sizeof rt_objs / sizeof rt_objs[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", rtdir, rt_objs[i]);
        snprintf(b, sizeof b, "%s/%s", obj, rt_objs[i]);
        if (save && file_exists(b) && !file_exists(a)) {
            char tmp[4500];
            snprintf(tmp, sizeof tmp, "%s.%ld.tmp", a, (long)getpid());
            if (copy_file(b, tmp) == 0 && rename(tmp, a) != 0)
                remove(tmp);
        } else if (!save && file_exists(a)) {
            copy_file(a, b);
        }
    }
}

int ff_sim_build(const char *dir, const char *cache, int trace, int quiet, char *lib, size_t libsz, int *cached,
                 double *secs, ff_err *e)
{
    return ff_sim_build_opt(dir, cache, trace, NULL, quiet, lib, libsz, cached, secs, e);
}

int ff_sim_build_opt(const char *dir, const char *cache, int trace, const char *cxxopt, int quiet, char *lib,
                     size_t libsz, int *cached, double *secs, ff_err *e)
{
    return ff_sim_build_net(dir, NULL, cache, trace, cxxopt, quiet, lib, libsz, cached, secs, e);
}

void ff_synth_netlist_path(const char *dir, const char *family, char *out, size_t n)
{
    snprintf(out, n, "%s/.build/synth_%s/netlist.v", dir, family ? family : "xc7");
}

int ff_yosys_cells_sim(char *out, size_t n, ff_err *e)
{
    const char *path = getenv("PATH");
    char cand[4096], real[4096];
    for (const char *p = path ? path : "/usr/bin"; *p;) {
        size_t l = strcspn(p, ":");
        snprintf(cand, sizeof cand, "%.*s/yosys", (int)l, p);
        p += l + (p[l] == ':');
        if (access(cand, X_OK) || !realpath(cand, real))
            continue;
        char *sl = strrchr(real, '/');
        if (sl)
            *sl = 0;
        sl = strrchr(real, '/'); /* <prefix>/bin -> <prefix> */
        if (sl)
            *sl = 0;
        snprintf(out, n, "%s/share/yosys/xilinx/cells_sim.v", real);
        if (file_exists(out))
            return FF_OK;
    }
    return ff_errf(e, FF_EINPUT, "Yosys's Xilinx cell models (share/yosys/xilinx/cells_sim.v beside yosys on PATH) "
                                 "not found (install Debian's yosys: scripts/deps.sh)");
}

/* The first cell in a netlist's text that Yosys's cells_sim.v declares but
 * gives no behaviour (the block RAMs: their outputs would read as 0), or NULL */
static const char *stub_cell(const char *txt)
{
    static const char *const stub[] = {"RAMB18E1", "RAMB36E1", "RAMB18E2", "RAMB36E2", "URAM288"};
    for (size_t i = 0; i < sizeof stub / sizeof stub[0]; i++) {
        size_t sl = strlen(stub[i]);
        for (const char *p = txt; (p = strstr(p, stub[i])) != NULL; p += sl)
            /* an instance: "  RAMB18E1 #(" or "  RAMB18E1 name (" */
            if ((p == txt || p[-1] == ' ' || p[-1] == '\n') && (p[sl] == ' ' || p[sl] == '#'))
                return stub[i];
    }
    return NULL;
}

int ff_netlist_unsimulable(const char *netlist, char *cell, size_t n, ff_err *e)
{
    char *txt;
    size_t len;
    if (ff_read_file(netlist, (size_t)1 << 31, &txt, &len, e))
        return -1;
    const char *c = stub_cell(txt);
    if (c)
        snprintf(cell, n, "%s", c);
    free(txt);
    return c != NULL;
}

int ff_sim_build_net(const char *dir, const char *netlist, const char *cache, int trace, const char *cxxopt,
                     int quiet, char *lib, size_t libsz, int *cached, double *secs, ff_err *e)
{
    if (!cxxopt || !*cxxopt)
        cxxopt = FF_SIM_CXXOPT_DEFAULT;
    if (strlen(cxxopt) > 32 || strspn(cxxopt, "-Ogsfz0123 ") != strlen(cxxopt))
        return ff_errf(e, FF_EINPUT, "--opt: expected a compiler optimization flag such as -O0, -O1, -Os");
    ff_manifest m;
    int rc = ff_manifest_read(dir, &m, e);
    if (rc)
        return rc;
    char shim[4096], map[4096];
    snprintf(shim, sizeof shim, "%s/verilator/ffsim_shim.cpp", dir);
    snprintf(map, sizeof map, "%s/verilator/ffsim.map", dir);
    if (!file_exists(shim) || !file_exists(map)) {
        ff_manifest_free(&m);
        return ff_errf(e, FF_EINPUT, "%s: verilator/ffsim_shim.cpp or ffsim.map missing (regenerate the project)", dir);
    }
    /* content hash: tool version, flags, every source */
    ff_sb_hash h = {0};
    FILE *vp = popen("verilator --version 2>/dev/null", "r");
    char ver[256] = "";
    if (vp) {
        if (!fgets(ver, sizeof ver, vp))
            ver[0] = 0;
        pclose(vp);
    }
    if (!ver[0]) {
        ff_manifest_free(&m);
        return ff_errf(e, FF_EINPUT, "verilator not found in PATH (install Debian's verilator: scripts/deps.sh)");
    }
    hadd(&h, ver, strlen(ver));
    hadd(&h, VERILATOR_FLAGS, sizeof VERILATOR_FLAGS);
    hadd(&h, trace ? "trace" : "notrace", 8);
    hadd(&h, cxxopt, strlen(cxxopt) + 1);
    /* key of the Verilator runtime objects: everything but the sources */
    char rthex[65];
    ff_sha256_hex(h.buf, h.n, rthex);
    rthex[16] = 0;
    /* the sources: the RTL, or Yosys's cell models and its netlist */
    int nsrc = netlist ? 2 : m.nfiles;
    char **src = ff_calloc((size_t)nsrc, sizeof *src);
    for (int i = 0; i < nsrc; i++)
        src[i] = ff_malloc(4096);
    if (netlist) {
        int bad = ff_yosys_cells_sim(src[0], 4096, e);
        if (!bad && !realpath(netlist, src[1]))
            bad = ff_errf(e, FF_EINPUT, "%s: missing (run fogforge synth on the project first)", netlist);
        if (bad) {
            free_strs(src, nsrc);
            ff_manifest_free(&m);
            free(h.buf);
            return bad;
        }
        hadd(&h, "netlist", 8);
    } else {
        for (int i = 0; i < nsrc; i++)
            snprintf(src[i], 4096, "%s/%s", dir, m.files[i]);
    }
    for (int i = 0; i < nsrc; i++) {
        if (!file_exists(src[i])) {
            ff_errf(e, FF_EINPUT, "%s: missing (listed in manifest.json)", src[i]);
            free_strs(src, nsrc);
            ff_manifest_free(&m);
            free(h.buf);
            return FF_EINPUT;
        }
        if (netlist && i == 1) {
            /* read once: checked for cells without a model, and hashed */
            char *txt;
            size_t len;
            const char *c = NULL;
            if (ff_read_file(src[i], (size_t)1 << 31, &txt, &len, e) == FF_OK) {
                c = stub_cell(txt);
                hadd(&h, "netlist.v", 10);
                hadd(&h, txt, len);
                free(txt);
            }
            if (c || e->code) {
                if (c)
                    ff_errf(e, FF_EINPUT,
                            "%s: has %s cells, which Yosys's cell models declare without behaviour; this netlist "
                            "cannot be co-simulated",
                            netlist, c);
                free_strs(src, nsrc);
                ff_manifest_free(&m);
                free(h.buf);
                return FF_EINPUT;
            }
            continue;
        }
        hash_add_file(&h, dir, src[i]);
    }
    hash_add_file(&h, dir, shim);
    hash_add_file(&h, dir, map);
    char hex[65];
    ff_sha256_hex(h.buf, h.n, hex);
    free(h.buf);
    hex[16] = 0;
    char cdir[4096], obj[4200];
    snprintf(cdir, sizeof cdir, "%s", cache ? cache : "");
    if (!cache)
        snprintf(cdir, sizeof cdir, "%s/.build", dir);
    snprintf(obj, sizeof obj, "%s/obj_%s", cdir, hex);
    snprintf(lib, libsz, "%s/libffsim_%s.so", cdir, hex);
    *cached = file_exists(lib);
    *secs = 0;
    if (*cached) {
        if (!quiet)
            fprintf(stderr, "fogforge: verilator build cached: %s\n", lib);
        ff_manifest_free(&m);
        free_strs(src, nsrc);
        return FF_OK;
    }
    rc = ff_mkdirs(obj, e);
    if (rc) {
        ff_manifest_free(&m);
        free_strs(src, nsrc);
        return rc;
    }
    /* absolute paths: verilator's make runs in obj */
    char absdir[4096], abslib[4200], absobj[4300];
    if (!realpath(dir, absdir) || !realpath(obj, absobj)) {
        ff_manifest_free(&m);
        free_strs(src, nsrc);
        return ff_errf(e, FF_EINPUT, "%s: cannot resolve path", dir);
    }
    char *slash = strrchr(lib, '/');
    char libdir[4096];
    snprintf(libdir, sizeof libdir, "%.*s", (int)(slash - lib), lib);
    char abslibdir[4000];
    if (!realpath(libdir, abslibdir)) {
        ff_manifest_free(&m);
        free_strs(src, nsrc);
        return ff_errf(e, FF_EINPUT, "%s: cannot resolve path", libdir);
    }
    snprintf(abslib, sizeof abslib, "%s/libffsim_%s.so", abslibdir, hex);
    char cflags[256], ldflags[4200];
    snprintf(cflags, sizeof cflags, "-fPIC%s", trace ? " -DFFSIM_TRACE=1" : "");
    snprintf(ldflags, sizeof ldflags, "-shared -Wl,--no-undefined -Wl,--version-script=%s/verilator/ffsim.map", absdir);
    char **argv = ff_calloc((size_t)nsrc + 40, sizeof *argv);
    int a = 0;
    char flags[] = VERILATOR_FLAGS;
    argv[a++] = "verilator";
    for (char *tok = strtok(flags, " "); tok; tok = strtok(NULL, " "))
        argv[a++] = ff_strdup(tok);
    int first_owned = 1, last_owned = a;
    argv[a++] = "--top-module";
    argv[a++] = m.top;
    argv[a++] = "--Mdir";
    argv[a++] = absobj;
    argv[a++] = "-o";
    argv[a++] = abslib;
    argv[a++] = "-CFLAGS";
    argv[a++] = cflags;
    argv[a++] = "-LDFLAGS";
    argv[a++] = ldflags;
    if (trace)
        argv[a++] = "--trace-fst";
    char **paths = ff_calloc((size_t)nsrc + 1, sizeof *paths);
    for (int i = 0; i < nsrc; i++) {
        paths[i] = ff_malloc(8192);
        if (src[i][0] == '/')
            snprintf(paths[i], 8192, "%s", src[i]);
        else
            snprintf(paths[i], 8192, "%s/%s", absdir, m.files[i]);
        argv[a++] = paths[i];
    }
    char shimabs[8192];
    snprintf(shimabs, sizeof shimabs, "%s/verilator/ffsim_shim.cpp", absdir);
    argv[a++] = shimabs;
    argv[a] = NULL;
    char log[4400], what[256];
    snprintf(log, sizeof log, "%s/verilator.log", absobj);
    snprintf(what, sizeof what, "building %s with Verilator%s (tens of seconds for large designs)", m.top,
             trace ? " (FST trace)" : "");
    double t0 = ff_now();
    int st = ff_run_logged(argv, log, what, quiet);
    char rtdir[4400];
    snprintf(rtdir, sizeof rtdir, "%s/vlrt_%s", abslibdir, rthex);
    if (st == 0) {
        /* then make, with the runtime objects of an earlier build when there are */
        rt_objs_io(rtdir, absobj, 0);
        char mk[256], mkf[300], of[64], os[64], og[64];
        snprintf(mk, sizeof mk, "V%s.mk", m.top);
        snprintf(mkf, sizeof mkf, "%s", mk);
        snprintf(of, sizeof of, "OPT_FAST=%s", cxxopt);
        snprintf(os, sizeof os, "OPT_SLOW=%s", cxxopt);
        snprintf(og, sizeof og, "OPT_GLOBAL=%s", cxxopt);
        char *margv[] = {"make", "-C", absobj, "-f", mkf, "-j", "2", of, os, og, NULL};
        snprintf(log, sizeof log, "%s/make.log", absobj);
        snprintf(what, sizeof what, "compiling %s's Verilated model (%s)", m.top, cxxopt);
        st = ff_run_logged(margv, log, what, quiet);
        if (st == 0)
            rt_objs_io(rtdir, absobj, 1);
    }
    *secs = ff_now() - t0;
    for (int i = first_owned; i < last_owned; i++)
        free(argv[i]);
    for (int i = 0; i < nsrc; i++)
        free(paths[i]);
    free(paths);
    free(argv);
    ff_manifest_free(&m);
    free_strs(src, nsrc);
    if (st != 0 || !file_exists(lib))
        return ff_errf(e, st < 0 ? FF_EINPUT : FF_EINTERNAL, "verilator build failed (%s): see %s",
                       st < 0 ? "could not run verilator" : "exit status", log);
    /* the library is all the cache keeps; the objects are large */
    ff_rm_tree(absobj);
    return FF_OK;
}

typedef struct {
    void *h;
    ffsim_get_info_fn info;
    ffsim_create_fn create;
    ffsim_reset_fn reset;
    ffsim_push_fn push;
    ffsim_pull_fn pull;
    ffsim_step_fn step;
    ffsim_cycles_fn cycles;
    ffsim_destroy_fn destroy;
} simlib;

static int load_lib(const char *path, simlib *s, ff_err *e)
{
    memset(s, 0, sizeof *s);
    s->h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!s->h)
        return ff_errf(e, FF_EINTERNAL, "cannot load %s: %s", path, dlerror());
#define SYM(f, n)                                                                          \
    do {                                                                                   \
        *(void **)&s->f = dlsym(s->h, n);                                                  \
        if (!s->f) {                                                                       \
            dlclose(s->h);                                                                 \
            return ff_errf(e, FF_EINTERNAL, "%s: symbol %s missing", path, n);             \
        }                                                                                  \
    } while (0)
    SYM(info, "ffsim_get_info");
    SYM(create, "ffsim_create");
    SYM(reset, "ffsim_reset");
    SYM(push, "ffsim_push");
    SYM(pull, "ffsim_pull");
    SYM(step, "ffsim_step");
    SYM(cycles, "ffsim_cycles");
    SYM(destroy, "ffsim_destroy");
#undef SYM
    return FF_OK;
}

static uint64_t xs(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void note_mismatch(ff_sim_result *r, long v, const int32_t *want, const int32_t *got, int n)
{
    r->mismatches++;
    if (r->first_mismatch[0])
        return;
    for (int i = 0; i < n; i++)
        if (want[i] != got[i]) {
            snprintf(r->first_mismatch, sizeof r->first_mismatch, "vector %ld output %d: expected %d, got %d", v, i,
                     want[i], got[i]);
            return;
        }
}

int ff_sim_run(const ff_sim_opts *o, ff_sim_result *r, ff_err *e)
{
    memset(r, 0, sizeof *r);
    ff_manifest man;
    int rc = ff_manifest_read(o->dir, &man, e);
    if (rc)
        return rc;
    snprintf(r->design, sizeof r->design, "%s", man.top);
    r->exp_latency = man.latency;
    r->exp_ii = man.ii;
    int stream = man.stream;
    long ii_burst = man.ii_burst;
    long mbi = man.in_beat, mbis = man.in_beats, mbo = man.out_beat, mbos = man.out_beats;
    ff_manifest_free(&man);
    char path[4096];
    snprintf(path, sizeof path, "%s/model.ffq", o->dir);
    ff_qmodel *q;
    rc = ff_ffq_read(path, &q, e);
    if (rc)
        return rc;
    int64_t nin = ff_graph_in_size(q->g), nout = ff_graph_out_size(q->g);
    /* vectors */
    long nv = o->vectors > 0 ? o->vectors : 1000;
    int32_t *in = NULL;
    if (o->input) {
        ff_samples s;
        rc = ff_samples_read(o->input, nin, &s, e);
        if (rc) {
            ff_qmodel_free(q);
            return rc;
        }
        nv = (long)s.n;
        in = ff_malloc((size_t)(nv * nin) * sizeof *in);
        for (long v = 0; v < nv; v++)
            ff_quantize_input(q, s.data + v * nin, in + v * nin);
        ff_samples_free(&s);
    } else {
        const ff_qtensor *qi = &q->qt[q->g->input];
        uint64_t seed = o->seed ? o->seed : 0x5eed1234abcdull;
        in = ff_malloc((size_t)(nv * nin) * sizeof *in);
        uint64_t span = (uint64_t)((int64_t)qi->qmax - qi->qmin + 1);
        for (long i = 0; i < nv * nin; i++)
            in[i] = (int32_t)(qi->qmin + (int64_t)(xs(&seed) % span));
    }
    int32_t *want = ff_malloc((size_t)(nv * nout) * sizeof *want);
    ff_qplan *plan = ff_qplan_new(q);
    for (long v = 0; v < nv; v++)
        ff_qplan_run(plan, in + v * nin, want + v * nout);
    ff_qplan_free(plan);
    ff_qmodel_free(q);
    r->vectors = nv;

    rc = ff_sim_build_net(o->dir, o->netlist, o->cache, o->trace != NULL, o->cxxopt, o->quiet, r->lib, sizeof r->lib,
                          &r->cached, &r->build_seconds, e);
    simlib L;
    if (!rc)
        rc = load_lib(r->lib, &L, e);
    if (rc) {
        free(in);
        free(want);
        return rc;
    }
    const ffsim_info *info = L.info();
    /* beats: io parallel moves a whole sample per beat */
    long ei = stream ? mbi : (long)nin, bi = stream ? mbis : 1, eo = stream ? mbo : (long)nout, bo = stream ? mbos : 1;
    if (info->api_version != FFSIM_API_VERSION || info->n_in != nin || info->n_out != nout ||
        (stream && (ei * bi != nin || eo * bo != nout || !info->io_stream || info->in_beat != ei ||
                    info->in_beats != bi || info->out_beat != eo || info->out_beats != bo))) {
        dlclose(L.h);
        free(in);
        free(want);
        return ff_errf(e, FF_EINPUT, "%s does not match %s/model.ffq (regenerate the project)", r->lib, o->dir);
    }
    ffsim *s = L.create(o->trace);
    if (!s) {
        dlclose(L.h);
        free(in);
        free(want);
        return ff_errf(e, FF_EINTERNAL, "cannot create the simulation (trace %s)", o->trace ? o->trace : "off");
    }
    int32_t *got = ff_malloc((size_t)nout * sizeof *got);
    /* 1. latency: one sample through an empty pipeline, from its first input
     * beat to its last output beat */
    {
        int taken = 0, given = 0;
        long nbi = 0, nbo = 0;
        uint64_t t0 = 0, guard = 0, glimit = (uint64_t)(r->exp_latency > 0 ? r->exp_latency : 1) * 20 + 100000;
        while (nbo < bo && guard++ < glimit) {
            int iv = nbi < bi;
            L.step(s, iv, in + (iv ? nbi : 0) * ei, 1, &taken, &given, got + nbo * eo);
            if (taken && nbi++ == 0)
                t0 = L.cycles(s);
            if (given)
                nbo++;
        }
        r->latency = nbo == bo ? (int)(L.cycles(s) - t0) : -1;
        if (nbo == bo && memcmp(got, want, (size_t)nout * sizeof *got))
            note_mismatch(r, 0, want, got, (int)nout);
        if (nbo < bo) {
            /* a design that never answers: say so rather than wait (the later
             * phases would wait as long) */
            r->mismatches = nv;
            snprintf(r->first_mismatch, sizeof r->first_mismatch,
                     "no result for one sample through an empty pipeline in %llu cycles",
                     (unsigned long long)glimit);
            goto done;
        }
    }
    /* 2. II: a burst at full rate; interval between the samples' first
     * accepted beats in steady state */
    {
        L.reset(s);
        /* 12 samples, or the manifest's burst (a design that buffers samples
         * reaches its steady state later; the vectors repeat as needed) */
        long burst = ii_burst > 0 ? ii_burst : 8 + 4L * (r->exp_latency > 0 ? 1 : 0), n_in = 0, n_out = 0;
        if (ii_burst <= 0 && burst > nv)
            burst = nv;
        uint64_t *tk = ff_calloc((size_t)burst, sizeof *tk), guard = 0,
                 glimit = (uint64_t)burst * (uint64_t)(r->exp_ii + 4) * 20 + 100000 + (uint64_t)r->exp_latency * 20;
        while (n_out < burst * bo && guard++ < glimit) {
            int taken = 0, given = 0;
            long beat = n_in < burst * bi ? ((n_in / bi) % nv) * bi + n_in % bi : 0;
            L.step(s, n_in < burst * bi, in + beat * ei, 1, &taken, &given, got + (n_out % bo) * eo);
            if (taken) {
                if (n_in % bi == 0)
                    tk[n_in / bi] = L.cycles(s);
                n_in++;
            }
            if (given && ++n_out % bo == 0) {
                long v = (n_out / bo - 1) % nv;
                if (memcmp(got, want + v * nout, (size_t)nout * sizeof *got))
                    note_mismatch(r, v, want + v * nout, got, (int)nout);
            }
        }
        uint64_t span = burst - 1 - burst / 2;
        if (burst < 3)
            r->ii = 1;
        else if (ii_burst > 0) /* rounded up, as the plan's handshake model */
            r->ii = (int)((tk[burst - 1] - tk[burst / 2] + span - 1) / span);
        else
            r->ii = (int)((tk[burst - 1] - tk[burst / 2]) / span);
        free(tk);
        if (n_out < burst * bo) {
            r->mismatches = nv;
            snprintf(r->first_mismatch, sizeof r->first_mismatch,
                     "a burst of %ld samples at full rate: only %ld results came out in %llu cycles", burst,
                     n_out / bo, (unsigned long long)glimit);
            r->ii = -1;
            goto done;
        }
    }
    /* 3. every vector with random valid/ready stalls */
    {
        L.reset(s);
        uint64_t seed = (o->seed ? o->seed : 0x5eed1234abcdull) ^ 0x9e3779b97f4a7c15ull;
        int pct = o->stall_pct >= 0 ? o->stall_pct : 30;
        long n_in = 0, n_out = 0;
        uint64_t c0 = L.cycles(s), limit = (uint64_t)nv * (uint64_t)(r->exp_ii + 4) * 20 + 100000 +
                                               (uint64_t)r->exp_latency * 20;
        double t0 = ff_now();
        while (n_out < nv * bo && L.cycles(s) - c0 < limit) {
            int iv = n_in < nv * bi && (int)(xs(&seed) % 100) >= pct;
            int ordy = (int)(xs(&seed) % 100) >= pct;
            int taken = 0, given = 0;
            L.step(s, iv, in + (iv ? n_in : 0) * ei, ordy, &taken, &given, got + (n_out % bo) * eo);
            if (taken)
                n_in++;
            if (given && ++n_out % bo == 0) {
                long v = n_out / bo - 1;
                if (memcmp(got, want + v * nout, (size_t)nout * sizeof *got))
                    note_mismatch(r, v, want + v * nout, got, (int)nout);
            }
        }
        double dt = ff_now() - t0;
        r->cycles = L.cycles(s) - c0;
        if (n_out < nv * bo) {
            r->mismatches += nv - n_out / bo;
            if (!r->first_mismatch[0])
                snprintf(r->first_mismatch, sizeof r->first_mismatch,
                         "only %ld of %ld results came out in %llu cycles", n_out / bo, nv,
                         (unsigned long long)r->cycles);
        }
        (void)dt;
    }
    /* 4. throughput of the push/pull API at full rate (what the host runtime uses) */
    {
        L.reset(s);
        double t0 = ff_now();
        long done = 0;
        int stuck = 0;
        for (long v = 0; v < nv && !stuck; v++) {
            L.push(s, in + v * nin);
            if (v - done >= 64 || v == nv - 1)
                while (done <= v) {
                    if (L.pull(s, got, 1000000) != 1) {
                        stuck = 1;
                        break;
                    }
                    if (memcmp(got, want + done * nout, (size_t)nout * sizeof *got))
                        note_mismatch(r, done, want + done * nout, got, (int)nout);
                    done++;
                }
        }
        double dt = ff_now() - t0;
        r->samples_per_second = dt > 0 ? (double)done / dt : 0;
        if (done < nv && !r->first_mismatch[0]) {
            r->mismatches += nv - done;
            snprintf(r->first_mismatch, sizeof r->first_mismatch, "push/pull: only %ld of %ld results", done, nv);
        }
    }
done:
    L.destroy(s);
    dlclose(L.h);
    free(got);
    free(in);
    free(want);
    return FF_OK;
}
