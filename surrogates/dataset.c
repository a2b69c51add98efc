/* Dataset generation: a parent process schedules designs over worker
 * processes (one design each, in its own process group so a timeout kills
 * Yosys and Verilator too) and appends each finished record to
 * designs.jsonl. Records already there are skipped, so a run can be
 * stopped and resumed at any time. */
#include "dataset.h"

#include "dsgen.h"
#include "emit.h"
#include "emit_rtl.h"
#include "ffq.h"
#include "layerfeat.h"
#include "sim.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int ff_dataset_read(const char *path, ff_dataset_fn fn, void *ctx, int64_t *ok, int64_t *bad, ff_err *e)
{
    *ok = *bad = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return FF_OK;
        return ff_errf(e, FF_EINPUT, "cannot open %s: %s", path, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (n == 1 && line[0] == '\n')
            continue;
        cJSON *r = line[n - 1] == '\n' ? cJSON_Parse(line) : NULL; /* a last line without newline is truncated */
        if (!r || !cJSON_IsObject(r) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "id"))) {
            (*bad)++;
        } else {
            (*ok)++;
            if (fn)
                fn(ctx, r);
        }
        cJSON_Delete(r);
    }
    free(line);
    fclose(f);
    return FF_OK;
}

/* ---- one design, in a worker process ---- */

static cJSON *feat_json(const ff_layer_feat *f, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "op", ff_op_name((ff_op)f->op));
    cJSON_AddStringToObject(o, "act", ff_act_name((ff_act)f->act));
#define NUM(k) cJSON_AddNumberToObject(o, #k, (double)f->k)
    NUM(n_in), NUM(n_out), NUM(pixels), NUM(in_size), NUM(out_size), NUM(kernel), NUM(channels_in);
    NUM(channels_out), NUM(wbits), NUM(in_bits), NUM(out_bits), NUM(acc_bits), NUM(lut_bits), NUM(reuse);
    NUM(in_signed), NUM(weights), NUM(nonzero), NUM(pow2), NUM(csd_digits), NUM(mults), NUM(csd_per_nz);
    NUM(max_terms), NUM(sum_bits), NUM(tree_levels), NUM(latency), NUM(ii);
    NUM(live_out), NUM(live_in), NUM(terms_live), NUM(nz_live), NUM(p2_live);
    NUM(sum_bits_mean), NUM(rq_wide), NUM(acc_fab_bits), NUM(acc_narrow_bits), NUM(acc_ext_bits), NUM(rq_sat);
    NUM(rom_wcols), NUM(rom_xcols), NUM(rom_reuse), NUM(mults_dsp), NUM(mults_soft);
    NUM(mux_n), NUM(mux_in), NUM(mux_in_p2), NUM(tab_blk);
    NUM(r1_dsp), NUM(r1_lprod_bits), NUM(r1_reg_bits);
#undef NUM
    return o;
}

static void write_record(const char *path, cJSON *rec)
{
    char *s = cJSON_PrintUnformatted(rec);
    ff_err e;
    if (s)
        ff_write_file_atomic(path, s, strlen(s), &e);
    cJSON_free(s);
}

/* The generator's options of a run (every setting that decides its designs) */
static ff_dsgen_opts dsgen_opts(const ff_dataset_opts *o)
{
    return (ff_dsgen_opts){.seed = o->seed,
                           .max_mults = o->max_mults,
                           .max_cost = o->max_cost,
                           .reuse = o->reuse,
                           .uniform = o->uniform,
                           .log_reuse = o->log_reuse};
}

/* L000042 / N000007; a run with a forced reuse factor, uniform networks,
 * log-uniform reuse or a seed other than the main run's 1 names its designs
 * apart (L000042-s2-r1: seed and reuse; N000007-s5: seed; N000003-s6-u:
 * uniform; L000042-s1-g: log-uniform reuse), so its records can share one
 * file with the main run's (the held-out splits fold by a hash of the id) */
static void design_id(const ff_dataset_opts *o, int network, int64_t index, char *id, size_t n)
{
    int l = snprintf(id, n, "%s%06lld", network ? "N" : "L", (long long)index);
    if (o->reuse > 0 || o->uniform || o->log_reuse || o->seed != 1)
        l += snprintf(id + l, n - (size_t)l, "-s%llu", (unsigned long long)o->seed);
    if (o->reuse > 0)
        l += snprintf(id + l, n - (size_t)l, "-r%d", o->reuse);
    if (o->uniform)
        l += snprintf(id + l, n - (size_t)l, "-u");
    if (o->log_reuse)
        snprintf(id + l, n - (size_t)l, "-g");
}

/* Co-simulates dir's RTL (netlist NULL) or Yosys's netlist against the
 * integer reference and records it in rec ("sim" / "netlist_sim"); a
 * mismatch is an error. */
static int cosim(const ff_dataset_opts *o, const char *dir, int64_t index, const char *netlist, cJSON *rec, ff_err *e)
{
    ff_sim_opts so = {0};
    so.dir = dir;
    so.netlist = netlist;
    so.vectors = o->vectors;
    so.seed = (uint64_t)index + 1;
    so.stall_pct = 30;
    so.quiet = 1;
    ff_sim_result r;
    int rc = ff_sim_run(&so, &r, e);
    if (rc)
        return rc;
    cJSON *s = cJSON_AddObjectToObject(rec, netlist ? "netlist_sim" : "sim");
    if (!netlist) {
        cJSON_AddNumberToObject(s, "latency", r.latency);
        cJSON_AddNumberToObject(s, "ii", r.ii);
    }
    cJSON_AddNumberToObject(s, "vectors", (double)r.vectors);
    cJSON_AddNumberToObject(s, "mismatches", (double)r.mismatches);
    cJSON_AddNumberToObject(s, "build_seconds", r.build_seconds);
    if (r.mismatches)
        return ff_errf(e, FF_EINTERNAL, "%sco-simulation mismatch: %s", netlist ? "netlist " : "", r.first_mismatch);
    return FF_OK;
}

static int design_worker(const ff_dataset_opts *o, const char *id, int64_t index, int network, const char *dir,
                         const char *recpath)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "id", id);
    cJSON_AddNumberToObject(rec, "seed", (double)o->seed);
    cJSON_AddNumberToObject(rec, "index", (double)index);
    cJSON_AddNumberToObject(rec, "max_mults", (double)o->max_mults);
    cJSON_AddNumberToObject(rec, "max_cost", (double)o->max_cost);
    if (o->reuse > 0)
        cJSON_AddNumberToObject(rec, "gen_reuse", o->reuse);
    if (o->uniform)
        cJSON_AddNumberToObject(rec, "gen_uniform", 1);
    if (o->log_reuse)
        cJSON_AddNumberToObject(rec, "gen_log_reuse", 1);
    cJSON_AddStringToObject(rec, "kind", network ? "network" : "layer");
    cJSON *tools = cJSON_AddObjectToObject(rec, "tools");
    cJSON_AddStringToObject(tools, "fogforge", FF_VERSION);
    cJSON_AddStringToObject(tools, "yosys", "0.23");
    cJSON_AddStringToObject(tools, "verilator", "5.006");
    cJSON_AddNumberToObject(tools, "rtl", FF_RTL_REV);
    cJSON_AddNumberToObject(tools, "synth_flow", FF_SYNTH_FLOW);
    cJSON_AddNumberToObject(tools, "features", FF_FEAT_REV);
    ff_err e = {0};
    char desc[512];
    ff_qmodel *q = NULL;
    ff_dsgen_opts go = dsgen_opts(o);
    int rc = ff_dsgen_design(&go, index, network, &q, desc, sizeof desc, &e);
    const char *stage = "design";
    if (!rc) {
        cJSON_AddStringToObject(rec, "desc", desc);
        cJSON *ls = cJSON_AddArrayToObject(rec, "layers");
        ff_live live;
        ff_live_compute(q, &live);
        for (int i = 0; i < q->g->nn; i++) {
            ff_layer_feat f;
            ff_layer_features(q, i, &live, &f);
            cJSON_AddItemToArray(ls, feat_json(&f, q->g->n[i].name));
        }
        ff_live_free(&live);
        write_record(recpath, rec); /* a timeout still leaves what the design was */
        stage = "gen";
        ff_gen_opts go = {dir, "dataset", FF_DEFAULT_PART, FF_DEFAULT_CLOCK_NS, 0, 0, 0};
        const ff_emitter *em = ff_emitter_find("rtl");
        rc = em ? em->emit(q, &go, &e) : ff_errf(&e, FF_EINTERNAL, "no rtl back-end");
    }
    if (!rc) {
        stage = "synth";
        ff_synth_opts so = {dir, "xc7", 1};
        ff_synth_result sr;
        rc = ff_synth_run(&so, &sr, &e);
        if (!rc) {
            cJSON *t = cJSON_AddObjectToObject(rec, "targets");
            cJSON_AddNumberToObject(t, "lut", (double)sr.lut);
            cJSON_AddNumberToObject(t, "ff", (double)sr.ff);
            cJSON_AddNumberToObject(t, "dsp", (double)sr.dsp);
            cJSON_AddNumberToObject(t, "bram18", (double)(sr.bram18 + 2 * sr.bram36));
            cJSON_AddNumberToObject(t, "carry", (double)sr.carry);
            cJSON_AddNumberToObject(t, "latency", sr.latency);
            cJSON_AddNumberToObject(t, "ii", sr.ii);
            cJSON_AddNumberToObject(t, "critical_path_ns", sr.critical_path_ns);
            cJSON_AddNumberToObject(rec, "synth_seconds", sr.seconds);
        }
    }
    if (!rc && o->sim_every > 0 && index % o->sim_every == 0) {
        stage = "sim";
        rc = cosim(o, dir, index, NULL, rec, &e);
    }
    if (!rc && o->netlist_every > 0 && index % o->netlist_every == 0) {
        /* the ground truth is only as good as the netlist it counts: Yosys's
         * netlist, co-simulated with its cell models (docs/rtl.md, "Synthesis flow") */
        stage = "netlist sim";
        char np[4200], cell[32];
        ff_synth_netlist_path(dir, "xc7", np, sizeof np);
        if (ff_netlist_unsimulable(np, cell, sizeof cell, &e) == 1)
            /* no behavioural model of that cell */
            cJSON_AddStringToObject(cJSON_AddObjectToObject(rec, "netlist_sim"), "skipped", cell);
        else
            rc = cosim(o, dir, index, np, rec, &e);
    }
    cJSON_AddBoolToObject(rec, "ok", rc == 0);
    if (rc) {
        char m[1400];
        int l = snprintf(m, sizeof m, "%s: %s", stage, e.msg);
        /* the work directory goes away: keep the tool's last words */
        char logp[4400], *log = NULL;
        size_t len;
        ff_err e2;
        snprintf(logp, sizeof logp, "%s/.build/synth_xc7/yosys.log", dir);
        if (!strcmp(stage, "synth") && ff_read_file(logp, 1 << 26, &log, &len, &e2) == FF_OK) {
            const char *tail = len > 600 ? log + len - 600 : log;
            snprintf(m + l, sizeof m - (size_t)l, " | %s", tail);
        }
        free(log);
        /* paths in the record are relative to the dataset directory (a
         * committed dataset names no machine's folders) */
        char abs[4096];
        if (realpath(o->out, abs)) {
            size_t al = strlen(abs);
            char *p;
            while (al && (p = strstr(m, abs)) != NULL) {
                p[0] = '.';
                memmove(p + 1, p + al, strlen(p + al) + 1);
            }
        }
        cJSON_AddStringToObject(rec, "error", m);
    }
    write_record(recpath, rec);
    cJSON_Delete(rec);
    ff_qmodel_free(q);
    return 0;
}

/* ---- the scheduler ---- */

typedef struct {
    pid_t pid;
    char id[32];
    double start;
    double cpu;   /* CPU seconds its processes have used, at the last check */
    int over;     /* killed for its time: 1 CPU, 2 wall clock */
} slot;

/* A design's time limit is CPU time (--timeout): on a loaded machine a
 * design's wall-clock time says little of what it costs, and a wall-clock
 * limit turned designs that needed minutes into timeouts whenever other
 * work ran. The wall clock only backs it up, at FF_DS_WALL_FACTOR times
 * the limit (a worker stuck without using the CPU). */
#define FF_DS_WALL_FACTOR 8

/* The CPU seconds the live processes of each running slot's process group
 * have used (cpu[i] for slots[i]; one pass over /proc for all of them):
 * each process's own time and that of the children it has reaped (a tool's
 * finished compiler processes, a finished Yosys), so every process of a
 * design is counted once, live or done. */
static void groups_cpu_seconds(const slot *slots, int n, double *cpu)
{
    for (int i = 0; i < n; i++)
        cpu[i] = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return;
    static long tck;
    if (!tck)
        tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        char path[300], buf[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        /* fields after the command's closing parenthesis: state ppid pgrp
         * session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
         * stime cutime cstime */
        const char *q = strrchr(buf, ')');
        int pgrp;
        unsigned long long ut, st, cut, cst;
        if (!q || sscanf(q + 1, " %*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &pgrp, &ut, &st,
                         &cut, &cst) != 5)
            continue;
        for (int i = 0; i < n; i++)
            if (slots[i].pid && pgrp == slots[i].pid)
                cpu[i] += (double)(ut + st + cut + cst) / (double)tck;
    }
    closedir(d);
}

typedef struct {
    char **v;
    int64_t n, cap;
} idlist;

static void idlist_add(idlist *l, const char *id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->v = ff_realloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = ff_strdup(id);
}

static void idlist_free(idlist *l)
{
    for (int64_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void idlist_sort(idlist *l)
{
    if (l->n)
        qsort(l->v, (size_t)l->n, sizeof *l->v, cmp_str);
}

/* id is in l (sorted; NULL: an empty list) */
static int idlist_has(const idlist *l, const char *id)
{
    return l && l->n && bsearch(&id, l->v, (size_t)l->n, sizeof *l->v, cmp_str);
}

/* Designs of l (sorted here) not in `except` (sorted; NULL: none), each counted once */
static int64_t idlist_count_not_in(idlist *l, const idlist *except)
{
    idlist_sort(l);
    int64_t c = 0;
    for (int64_t i = 0; i < l->n; i++)
        if ((i == 0 || strcmp(l->v[i], l->v[i - 1])) && !idlist_has(except, l->v[i]))
            c++;
    return c;
}

typedef struct {
    idlist done;         /* recorded designs (a success, a failure, or a timeout kept) */
    idlist retry;        /* designs with a timeout to try again (done unless another line says so) */
    idlist kept;         /* designs with a timeout at a CPU limit of at least this run's */
    int retry_timeouts;  /* a design recorded as timed out is not done ... */
    int timeout_s;       /* ... unless its CPU limit was this run's or more */
} idset;

/* The CPU limit a timeout record states ("timeout after SEC s of CPU
 * (N s elapsed)", gen_run's own words), or 0: stopped by the wall clock
 * (a loaded machine), or an older record. */
static int cpu_limit_of(const char *err)
{
    static const char head[] = "timeout after ";
    if (strncmp(err, head, sizeof head - 1) || !strstr(err, FF_GEN_CPU_TIMEOUT))
        return 0;
    return atoi(err + sizeof head - 1);
}

static void collect_id(void *ctx, const void *rec)
{
    idset *s = ctx;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive((const cJSON *)rec, "id");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive((const cJSON *)rec, "error");
    if (s->retry_timeouts && cJSON_IsString(err) && !strncmp(err->valuestring, "timeout", 7) &&
        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive((const cJSON *)rec, "ok"))) {
        /* a design that used up a CPU limit at least this run's would use
         * up this one too: done (the CPU count does not depend on the load) */
        int lim = cpu_limit_of(err->valuestring);
        if (!lim || lim < s->timeout_s) {
            idlist_add(&s->retry, id->valuestring);
            return;
        }
        idlist_add(&s->kept, id->valuestring);
    }
    idlist_add(&s->done, id->valuestring);
}

static void append_line(FILE *out, const char *recpath, const char *id, const char *fallback_err)
{
    char *data = NULL;
    size_t len = 0;
    ff_err e;
    cJSON *partial = NULL;
    if (ff_read_file(recpath, 1 << 24, &data, &len, &e) == FF_OK)
        partial = cJSON_Parse(data);
    free(data);
    if (partial && !fallback_err) {
        char *s = cJSON_PrintUnformatted(partial);
        fprintf(out, "%s\n", s);
        cJSON_free(s);
    } else if (partial) {
        cJSON_DeleteItemFromObject(partial, "ok");
        cJSON_AddBoolToObject(partial, "ok", 0);
        cJSON_AddStringToObject(partial, "error", fallback_err);
        char *s = cJSON_PrintUnformatted(partial);
        fprintf(out, "%s\n", s);
        cJSON_free(s);
    } else {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "id", id);
        cJSON_AddBoolToObject(r, "ok", 0);
        cJSON_AddStringToObject(r, "error", fallback_err ? fallback_err : "worker died without a record");
        char *s = cJSON_PrintUnformatted(r);
        fprintf(out, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(r);
    }
    cJSON_Delete(partial);
    fflush(out);
}

static void progress(const ff_dataset_opts *o, int64_t done, int64_t total, int64_t fails, double t0, int64_t start_done)
{
    if (o->quiet)
        return;
    double el = ff_now() - t0, rate = el > 0 ? (double)(done - start_done) / el : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    int w = 30, fill = total ? (int)(w * done / total) : w;
    char bar[64];
    for (int i = 0; i < w; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[w] = 0;
    char etas[32] = "ETA --"; /* nothing finished in this run yet: no rate to tell */
    if (rate > 0)
        snprintf(etas, sizeof etas, "ETA %dh%02dm", (int)(eta / 3600), (int)(eta / 60) % 60);
    fprintf(stderr, "\r[%s] %lld/%lld designs, %.2f/min, %s, %lld failed   ", bar, (long long)done, (long long)total,
            rate * 60, etas, (long long)fails);
}

static int dry_run(const ff_dataset_opts *o, ff_err *e)
{
    for (int64_t k = 0; k < o->layers + o->networks; k++) {
        int network = k >= o->layers;
        int64_t index = network ? k - o->layers : k;
        char desc[512], id[32];
        ff_qmodel *q;
        design_id(o, network, index, id, sizeof id);
        ff_dsgen_opts go = dsgen_opts(o);
        int rc = ff_dsgen_design(&go, index, network, &q, desc, sizeof desc, e);
        if (rc == FF_EINPUT && o->max_cost > 0) {
            /* recorded as a failure by a real run; listed as one here */
            printf("%s  (%s)\n", id, e->msg);
            continue;
        }
        if (rc)
            return rc;
        int64_t mults = 0, cost = 0;
        for (int i = 0; i < q->g->nn; i++) {
            ff_layer_feat f;
            ff_layer_features(q, i, NULL, &f);
            mults += f.mults;
            cost += ff_dsgen_cost(&f);
        }
        printf("%-12s  %-60s  %lld multipliers, cost %lld\n", id, desc, (long long)mults, (long long)cost);
        ff_qmodel_free(q);
    }
    return FF_OK;
}

int ff_dataset_generate(const ff_dataset_opts *o, ff_err *e)
{
    if (o->dry_run)
        return dry_run(o, e);
    int rc = ff_mkdirs(o->out, e);
    if (rc)
        return rc;
    char path[4096], work[4096];
    snprintf(path, sizeof path, "%s/designs.jsonl", o->out);
    snprintf(work, sizeof work, "%s/work", o->out);
    idset done = {0};
    done.retry_timeouts = o->retry_timeouts;
    done.timeout_s = o->timeout_s;
    int64_t okn, badn;
    rc = ff_dataset_read(path, collect_id, &done, &okn, &badn, e);
    if (rc)
        return rc;
    idlist_sort(&done.done);
    /* each design once, and not one another line records as done */
    int64_t retried = idlist_count_not_in(&done.retry, &done.done), kept = idlist_count_not_in(&done.kept, NULL);
    if (retried && !o->quiet)
        fprintf(stderr, "fogforge: %s: %lld timed-out design(s) will be tried again\n", path, (long long)retried);
    if (kept && !o->quiet)
        fprintf(stderr, "fogforge: %s: %lld design(s) that used up a CPU limit of %d s or more are not tried again "
                "(a larger --timeout would)\n", path, (long long)kept, o->timeout_s);
    if (badn && !o->quiet)
        fprintf(stderr, "fogforge: %s: %lld corrupt line(s) skipped; those designs are redone\n", path, (long long)badn);
    rc = ff_mkdirs(work, e);
    if (rc)
        goto out;
    FILE *out = fopen(path, "a");
    if (!out) {
        rc = ff_errf(e, FF_EINPUT, "cannot append to %s: %s", path, strerror(errno));
        goto out;
    }
    int64_t total = o->layers + o->networks, count = 0, fails = 0;
    int jobs = o->jobs > 0 ? o->jobs : 1;
    slot *slots = ff_calloc((size_t)jobs, sizeof *slots);
    double *cpu = ff_calloc((size_t)jobs, sizeof *cpu);
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_requested = 0;
    double t0 = ff_now(), last_check = 0;
    int64_t next = 0;
    for (int64_t k = 0; k < total; k++) {
        char id[32];
        design_id(o, k >= o->layers, k < o->layers ? k : k - o->layers, id, sizeof id);
        if (idlist_has(&done.done, id))
            count++;
    }
    int64_t start_done = count;
    int running = 0;
    progress(o, count, total, fails, t0, start_done);
    while ((next < total || running) && !(stop_requested && !running)) {
        /* launch */
        while (!stop_requested && running < jobs && next < total) {
            int64_t k = next++;
            /* networks are spread evenly among the layers (position k is a
             * network when the count of network slots before it grows), so
             * an interrupted run already has some of both */
            int64_t nb = k * o->networks / total, nb1 = (k + 1) * o->networks / total;
            int network = nb1 > nb;
            int64_t index = network ? nb : k - nb;
            char id[32];
            design_id(o, network, index, id, sizeof id);
            if (idlist_has(&done.done, id))
                continue;
            int s = 0;
            while (slots[s].pid)
                s++;
            char dir[4200], rec[4300];
            snprintf(dir, sizeof dir, "%s/%s", work, id);
            snprintf(rec, sizeof rec, "%s/%s.json", work, id);
            ff_rm_tree(dir);
            unlink(rec);
            fflush(NULL);
            pid_t p = fork();
            if (p < 0) {
                rc = ff_errf(e, FF_EINTERNAL, "fork: %s", strerror(errno));
                break;
            }
            if (p == 0) {
                setpgid(0, 0);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                /* one design must not take the machine's memory from the
                 * others (Yosys has been seen above 13 GB on a deep ROM) */
                if (o->mem_limit_gb > 0) {
                    struct rlimit rl;
                    rl.rlim_cur = rl.rlim_max = (rlim_t)o->mem_limit_gb << 30;
                    setrlimit(RLIMIT_AS, &rl);
                }
                /* the worker's own messages go beside its project, not over
                 * the progress bar (kept with --keep) */
                char wlog[4400];
                snprintf(wlog, sizeof wlog, "%s.log", dir);
                int fd = open(wlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd >= 0) {
                    dup2(fd, 2);
                    close(fd);
                }
                _exit(design_worker(o, id, index, network, dir, rec));
            }
            setpgid(p, p);
            slots[s].pid = p;
            snprintf(slots[s].id, sizeof slots[s].id, "%s", id);
            slots[s].start = ff_now();
            slots[s].cpu = 0;
            slots[s].over = 0;
            running++;
        }
        if (rc)
            break;
        /* reap or time out */
        int status;
        pid_t p = waitpid(-1, &status, WNOHANG);
        if (p <= 0) {
            if (ff_now() - last_check >= 1.0) {
                last_check = ff_now();
                groups_cpu_seconds(slots, jobs, cpu);
                for (int s = 0; s < jobs; s++) {
                    if (!slots[s].pid || slots[s].over)
                        continue;
                    if (cpu[s] > slots[s].cpu)
                        slots[s].cpu = cpu[s];
                    if (slots[s].cpu > o->timeout_s)
                        slots[s].over = 1;
                    else if (last_check - slots[s].start > (double)FF_DS_WALL_FACTOR * o->timeout_s)
                        slots[s].over = 2;
                    if (slots[s].over)
                        kill(-slots[s].pid, SIGKILL);
                }
            }
            if (stop_requested)
                for (int s = 0; s < jobs; s++)
                    if (slots[s].pid)
                        kill(-slots[s].pid, SIGTERM);
            usleep(100000);
            continue;
        }
        for (int s = 0; s < jobs; s++) {
            if (slots[s].pid != p)
                continue;
            char dir[4200], rec[4300], why[128];
            snprintf(dir, sizeof dir, "%s/%s", work, slots[s].id);
            snprintf(rec, sizeof rec, "%s/%s.json", work, slots[s].id);
            kill(-p, SIGKILL); /* tools it left behind */
            const char *err = NULL;
            if (WIFSIGNALED(status)) {
                if (slots[s].over == 1)
                    snprintf(why, sizeof why, "timeout after %d" FF_GEN_CPU_TIMEOUT "%.0f s elapsed)", o->timeout_s,
                             ff_now() - slots[s].start);
                else if (slots[s].over == 2)
                    snprintf(why, sizeof why, "timeout after %.0f s elapsed (%.0f s of CPU)", ff_now() - slots[s].start,
                             slots[s].cpu);
                else
                    snprintf(why, sizeof why, "worker killed by signal %d", WTERMSIG(status));
                err = why;
            }
            if (!(stop_requested && WIFSIGNALED(status))) {
                append_line(out, rec, slots[s].id, err);
                count++;
                char *data = NULL;
                size_t len;
                ff_err e2;
                if (err || ff_read_file(rec, 1 << 24, &data, &len, &e2) || strstr(data, "\"ok\":false"))
                    fails++;
                free(data);
            }
            unlink(rec);
            if (!o->keep) {
                char wlog[4400];
                snprintf(wlog, sizeof wlog, "%s.log", dir);
                unlink(wlog);
                ff_rm_tree(dir);
            }
            slots[s].pid = 0;
            running--;
        }
        progress(o, count, total, fails, t0, start_done);
    }
    if (!o->quiet)
        fprintf(stderr, "\n");
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(slots);
    free(cpu);
    fclose(out);
    if (!rc && stop_requested)
        rc = ff_errf(e, FF_EINTERNAL, "interrupted; %lld of %lld designs recorded (run again to resume)",
                     (long long)count, (long long)total);
out:
    idlist_free(&done.done);
    idlist_free(&done.retry);
    idlist_free(&done.kept);
    return rc;
}
