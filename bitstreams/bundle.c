/* Bundles: creating them (manifest + artifacts, as a directory or a tar
 * written with libarchive), reading them back into memory and refusing any
 * that do not match their manifest. */
#include "bundle.h"

#include "emit_opencl.h"
#include "sim.h"
#include "exec.h"
#include "ffq.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static void add_file(ff_bundle_file **files, int *n, const char *path, unsigned char *data, size_t len)
{
    *files = ff_realloc(*files, (size_t)(*n + 1) * sizeof **files);
    (*files)[*n].path = ff_strdup(path);
    (*files)[*n].data = data;
    (*files)[*n].len = len;
    (*n)++;
}

static void free_files(ff_bundle_file *files, int n)
{
    for (int i = 0; i < n; i++) {
        free(files[i].path);
        free(files[i].data);
    }
    free(files);
}

static ff_bundle_file *find_file(ff_bundle_file *files, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(files[i].path, path))
            return &files[i];
    return NULL;
}

/* ---- reading ---------------------------------------------------------- */

static int read_dir_rec(const char *root, const char *rel, int depth, ff_bundle_file **files, int *n, ff_err *e)
{
    char dpath[4096];
    snprintf(dpath, sizeof dpath, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dpath);
    if (!d)
        return ff_errf(e, FF_EINPUT, "cannot read bundle directory %s: %s", dpath, strerror(errno));
    struct dirent *de;
    int rc = FF_OK;
    while (rc == FF_OK && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char r2[2048], full[4096];
        snprintf(r2, sizeof r2, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", root, r2);
        struct stat st;
        if (stat(full, &st) != 0) {
            rc = ff_errf(e, FF_EINPUT, "cannot stat %s: %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (depth >= 4)
                rc = ff_errf(e, FF_EINPUT, "bundle %s: directories nested too deep at %s", root, r2);
            else
                rc = read_dir_rec(root, r2, depth + 1, files, n, e);
        } else if (S_ISREG(st.st_mode)) {
            char *data;
            size_t len;
            rc = ff_read_file(full, FF_BUNDLE_MAX_FILE, &data, &len, e);
            if (!rc)
                add_file(files, n, r2, (unsigned char *)data, len);
        }
    }
    closedir(d);
    return rc;
}

static int read_tar(const char *path, ff_bundle_file **files, int *n, ff_err *e)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_filter_all(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        int rc = ff_errf(e, FF_EINPUT, "cannot open bundle %s: %s", path, archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *ent;
    int r, rc = FF_OK;
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
        if (archive_entry_filetype(ent) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(ent);
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        int64_t size = archive_entry_size(ent);
        if (size < 0 || (size_t)size > FF_BUNDLE_MAX_FILE) {
            rc = ff_errf(e, FF_EINPUT, "bundle %s: entry '%s' has a bad size", path, name);
            break;
        }
        unsigned char *data = ff_malloc((size_t)size + 1);
        la_ssize_t got = 0;
        while (got < size) {
            la_ssize_t k = archive_read_data(a, data + got, (size_t)(size - got));
            if (k <= 0)
                break;
            got += k;
        }
        if (got != size) {
            free(data);
            rc = ff_errf(e, FF_EINPUT, "bundle %s is truncated or corrupt: entry '%s' (%s)", path, name,
                         archive_error_string(a) ? archive_error_string(a) : "short read");
            break;
        }
        data[size] = 0;
        add_file(files, n, name, data, (size_t)size);
    }
    if (rc == FF_OK && r != ARCHIVE_EOF)
        rc = ff_errf(e, FF_EINPUT, "bundle %s is truncated or corrupt: %s", path,
                     archive_error_string(a) ? archive_error_string(a) : "bad tar header");
    archive_read_free(a);
    return rc;
}

void ff_bundle_digest(const cJSON *manifest, char out[65])
{
    cJSON *dup = cJSON_Duplicate(manifest, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(dup, "digest");
    char *s = cJSON_PrintUnformatted(dup);
    ff_sha256_hex(s, strlen(s), out);
    free(s);
    cJSON_Delete(dup);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks the manifest and every artifact against the files read. */
static int verify(ff_bundle *b, ff_err *e)
{
    const char *P = b->path;
    ff_bundle_file *mf = find_file(b->files, b->nfiles, "manifest.json");
    if (!mf)
        return ff_errf(e, FF_EINPUT, "bundle %s: missing file 'manifest.json'", P);
    b->manifest = cJSON_ParseWithLength((const char *)mf->data, mf->len);
    if (!cJSON_IsObject(b->manifest))
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest.json is not valid JSON (edited or corrupt)", P);
    const char *fmt = jstr(b->manifest, "format");
    if (!fmt || strcmp(fmt, FF_BUNDLE_FORMAT))
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest.json is not a fogforge bundle manifest (format '%s')", P,
                       fmt ? fmt : "missing");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(b->manifest, "manifest_version");
    const char *by = jstr(b->manifest, "fogforge_version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble < 1 || ver->valuedouble != (double)(int)ver->valuedouble)
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest has no valid manifest_version", P);
    if (ver->valueint != FF_BUNDLE_MANIFEST_VERSION)
        return ff_errf(e, FF_EINPUT,
                       "bundle %s: manifest version %d (made by fogforge %s) is not compatible with this fogforge "
                       "%s, which reads manifest version %d; re-create the bundle with this version",
                       P, ver->valueint, by ? by : "unknown", FF_VERSION, FF_BUNDLE_MANIFEST_VERSION);
    const char *dg = jstr(b->manifest, "digest");
    char want[65];
    ff_bundle_digest(b->manifest, want);
    if (!dg || strcmp(dg, want))
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest.json was modified after the bundle was made (digest %s)", P,
                       dg ? "mismatch" : "missing");
    const char *name = jstr(b->manifest, "name");
    if (!name || !name[0] || strlen(name) >= sizeof b->name)
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest has no valid name", P);
    snprintf(b->name, sizeof b->name, "%s", name);
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts");
    if (!cJSON_IsArray(arts))
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest has no artifact list", P);
    const cJSON *a;
    cJSON_ArrayForEach(a, arts) {
        const char *path = jstr(a, "path"), *sha = jstr(a, "sha256"), *kind = jstr(a, "kind");
        if (!path || !sha || !kind)
            return ff_errf(e, FF_EINPUT, "bundle %s: artifact entry without kind/path/sha256", P);
        ff_bundle_file *f = find_file(b->files, b->nfiles, path);
        if (!f)
            return ff_errf(e, FF_EINPUT, "bundle %s: missing file '%s' (%s artifact)", P, path, kind);
        char got[65];
        ff_sha256_hex(f->data, f->len, got);
        if (strcmp(got, sha))
            return ff_errf(e, FF_EINPUT,
                           "bundle %s: checksum mismatch for '%s' (%s artifact): manifest says %.12s..., file has "
                           "%.12s... (modified or corrupt)",
                           P, path, kind, sha, got);
    }
    for (int i = 0; i < b->nfiles; i++) {
        if (!strcmp(b->files[i].path, "manifest.json"))
            continue;
        int listed = 0;
        cJSON_ArrayForEach(a, arts) {
            const char *path = jstr(a, "path");
            listed |= path && !strcmp(path, b->files[i].path);
        }
        if (!listed)
            return ff_errf(e, FF_EINPUT, "bundle %s: file '%s' is not listed in the manifest", P, b->files[i].path);
    }
    if (!ff_bundle_artifact(b, "ffq"))
        return ff_errf(e, FF_EINPUT, "bundle %s: manifest lists no quantized model (ffq artifact)", P);
    return FF_OK;
}

const ff_bundle_file *ff_bundle_artifact(const ff_bundle *b, const char *kind)
{
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts"), *a;
    cJSON_ArrayForEach(a, arts) {
        const char *k = jstr(a, "kind"), *p = jstr(a, "path");
        if (k && p && !strcmp(k, kind))
            return find_file(b->files, b->nfiles, p);
    }
    return NULL;
}

int ff_bundle_load(const char *path, int q_too, ff_bundle **out, ff_err *e)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return ff_errf(e, FF_EINPUT, "cannot open bundle %s: %s", path, strerror(errno));
    ff_bundle *b = ff_calloc(1, sizeof *b);
    b->path = ff_strdup(path);
    b->is_tar = !S_ISDIR(st.st_mode);
    int rc = b->is_tar ? read_tar(path, &b->files, &b->nfiles, e) : read_dir_rec(path, "", 0, &b->files, &b->nfiles, e);
    if (!rc)
        rc = verify(b, e);
    if (!rc && q_too) {
        const ff_bundle_file *f = ff_bundle_artifact(b, "ffq");
        char where[4200];
        snprintf(where, sizeof where, "%s/%s", path, "model.ffq");
        rc = ff_ffq_parse((const char *)f->data, where, &b->q, e);
    }
    if (rc) {
        ff_bundle_close(b);
        return rc;
    }
    *out = b;
    return FF_OK;
}

int ff_bundle_artifact_path(ff_bundle *b, const char *kind, char *path, size_t n, ff_err *e)
{
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts"), *a;
    const char *rel = NULL;
    cJSON_ArrayForEach(a, arts) {
        const char *k = jstr(a, "kind");
        if (k && !strcmp(k, kind))
            rel = jstr(a, "path");
    }
    if (!rel)
        return ff_errf(e, FF_EUNAVAILABLE, "bundle %s has no %s artifact", b->path, kind);
    if (!b->is_tar) {
        snprintf(path, n, "%s/%s", b->path, rel);
        return FF_OK;
    }
    /* sessions may open concurrently on one bundle: extract under a lock */
    static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lk);
    int rc = FF_OK;
    if (!b->tmpdir) {
        char tmpl[4096];
        snprintf(tmpl, sizeof tmpl, "%s/fogforge-bundle.XXXXXX", ff_tmp_dir());
        if (mkdtemp(tmpl))
            b->tmpdir = ff_strdup(tmpl);
        else
            rc = ff_errf(e, FF_EINTERNAL, "cannot create a temp dir for %s: %s", b->path, strerror(errno));
    }
    if (!rc) {
        const char *base = strrchr(rel, '/');
        snprintf(path, n, "%s/%s", b->tmpdir, base ? base + 1 : rel);
        struct stat st;
        const ff_bundle_file *f = ff_bundle_artifact(b, kind);
        if (stat(path, &st) != 0) /* extracted once; a loaded .so is never rewritten */
            rc = ff_write_file_atomic(path, f->data, f->len, e);
    }
    pthread_mutex_unlock(&lk);
    return rc;
}

void ff_bundle_close(ff_bundle *b)
{
    if (!b)
        return;
    if (b->tmpdir)
        ff_rm_tree(b->tmpdir);
    free(b->tmpdir);
    free(b->path);
    cJSON_Delete(b->manifest);
    free_files(b->files, b->nfiles);
    ff_qmodel_free(b->q);
    free(b);
}

/* ---- writing ---------------------------------------------------------- */

int ff_bundle_write_tar(const char *path, const ff_bundle_file *files, int n, ff_err *e)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
        int rc = ff_errf(e, FF_EINPUT, "cannot write %s: %s", path, archive_error_string(a));
        archive_write_free(a);
        return rc;
    }
    int rc = FF_OK;
    time_t now = time(NULL);
    for (int i = 0; i < n && !rc; i++) {
        struct archive_entry *ent = archive_entry_new();
        archive_entry_set_pathname(ent, files[i].path);
        archive_entry_set_size(ent, (la_int64_t)files[i].len);
        archive_entry_set_filetype(ent, AE_IFREG);
        archive_entry_set_perm(ent, ends_with(files[i].path, ".so") ? 0755 : 0644);
        archive_entry_set_mtime(ent, now, 0);
        if (archive_write_header(a, ent) != ARCHIVE_OK ||
            (files[i].len && archive_write_data(a, files[i].data, files[i].len) != (la_ssize_t)files[i].len))
            rc = ff_errf(e, FF_EINTERNAL, "writing %s: %s", path, archive_error_string(a));
        archive_entry_free(ent);
    }
    if (archive_write_close(a) != ARCHIVE_OK && !rc)
        rc = ff_errf(e, FF_EINTERNAL, "writing %s: %s", path, archive_error_string(a));
    archive_write_free(a);
    if (!rc && rename(tmp, path) != 0)
        rc = ff_errf(e, FF_EINTERNAL, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

static int write_dir(const char *dir, const ff_bundle_file *files, int n, ff_err *e)
{
    for (int i = 0; i < n; i++) {
        char *text = ff_malloc(files[i].len + 1);
        memcpy(text, files[i].data, files[i].len);
        text[files[i].len] = 0;
        int rc;
        if (memchr(files[i].data, 0, files[i].len)) { /* binary: not through ff_emit_file's strlen */
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", dir, files[i].path);
            char *slash = strrchr(p, '/');
            *slash = 0;
            rc = ff_mkdirs(p, e);
            *slash = '/';
            if (!rc)
                rc = ff_write_file_atomic(p, files[i].data, files[i].len, e);
        } else {
            rc = ff_emit_file(dir, files[i].path, text, e);
        }
        free(text);
        if (rc)
            return rc;
    }
    return FF_OK;
}

static cJSON *io_json(const ff_qmodel *q, int ti)
{
    const ff_tensor *t = &q->g->t[ti];
    const ff_qtensor *qt = &q->qt[ti];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON *sh = cJSON_AddArrayToObject(o, "shape");
    for (int d = 0; d < t->rank; d++)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t->dims[d]));
    cJSON_AddNumberToObject(o, "size", (double)ff_tensor_size(t));
    cJSON_AddStringToObject(o, "dtype", "int32");
    cJSON_AddNumberToObject(o, "scale", qt->scale);
    cJSON_AddNumberToObject(o, "zero_point", 0);
    cJSON_AddNumberToObject(o, "bits", qt->bits);
    cJSON_AddBoolToObject(o, "signed", qt->is_signed);
    cJSON_AddNumberToObject(o, "qmin", qt->qmin);
    cJSON_AddNumberToObject(o, "qmax", qt->qmax);
    return o;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Integer reference time per sample on this machine (one thread). */
static double measure_cpu_us(const ff_qmodel *q)
{
    int64_t isz = ff_graph_in_size(q->g), osz = ff_graph_out_size(q->g);
    int32_t *x = ff_calloc((size_t)isz, sizeof *x), *y = ff_calloc((size_t)osz, sizeof *y);
    ff_qplan *p = ff_qplan_new(q);
    ff_qplan_run(p, x, y);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int k = 0; k < 16; k++, n++)
            ff_qplan_run(p, x, y);
        t = now_s() - t0;
    } while (t < 0.02);
    ff_qplan_free(p);
    free(x);
    free(y);
    return t / (double)n * 1e6;
}

static void add_artifact(cJSON *arts, const char *kind, const ff_bundle_file *f)
{
    char sha[65];
    ff_sha256_hex(f->data, f->len, sha);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "kind", kind);
    cJSON_AddStringToObject(a, "path", f->path);
    cJSON_AddStringToObject(a, "sha256", sha);
    cJSON_AddNumberToObject(a, "size", (double)f->len);
    cJSON_AddItemToArray(arts, a);
}

static void finish_manifest(cJSON *m, ff_bundle_file **files, int *n)
{
    cJSON_DeleteItemFromObjectCaseSensitive(m, "digest");
    char dg[65];
    ff_bundle_digest(m, dg);
    cJSON_AddStringToObject(m, "digest", dg);
    char *text = cJSON_Print(m);
    size_t len = strlen(text);
    text = ff_realloc(text, len + 2);
    text[len] = '\n';
    text[len + 1] = 0;
    ff_bundle_file *mf = find_file(*files, *n, "manifest.json");
    if (mf) {
        free(mf->data);
        mf->data = (unsigned char *)text;
        mf->len = len + 1;
    } else {
        add_file(files, n, "manifest.json", (unsigned char *)text, len + 1);
    }
}

static cJSON *parse_obj(const char *text, const char *what, ff_err *e)
{
    if (!text)
        return cJSON_CreateNull();
    cJSON *j = cJSON_Parse(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        ff_errf(e, FF_EINPUT, "%s is not a JSON object", what);
        return NULL;
    }
    return j;
}

/* Builds the Verilated shared library of the RTL project in dir (sim/sim.h,
 * quiet) and returns its bytes. cache: a build cache directory to keep
 * (content-hashed, so a later bundle of the same design reuses it), or NULL
 * for a temp dir removed afterwards. */
static int build_verilator(const char *dir, const char *cache, char **lib, size_t *len, ff_err *e)
{
    char tmpc[4096] = "";
    if (!cache || !cache[0]) {
        snprintf(tmpc, sizeof tmpc, "%s/fogforge-bundle-vl.XXXXXX", ff_tmp_dir());
        if (!mkdtemp(tmpc))
            return ff_errf(e, FF_EINTERNAL, "cannot create a temp dir: %s", strerror(errno));
        cache = tmpc;
    } else {
        int rc = ff_mkdirs(cache, e);
        if (rc)
            return rc;
    }
    char path[4096];
    int cached = 0;
    double secs = 0;
    int rc = ff_sim_build(dir, cache, 0, 1, path, sizeof path, &cached, &secs, e);
    if (!rc)
        rc = ff_read_file(path, FF_BUNDLE_MAX_FILE, lib, len, e);
    if (tmpc[0])
        ff_rm_tree(tmpc);
    return rc ? ff_err_prefix(e, "building the Verilator library") : FF_OK;
}

/* Runs emitter `name` into a temp dir and adds every file of its project
 * under NAME/; returns the project's manifest (or NULL) in *pm. */
static int add_project(const ff_qmodel *q, const ff_bundle_spec *sp, const char *name, ff_bundle_file **files,
                       int *nf, cJSON **pm, ff_err *e)
{
    const ff_emitter *em = ff_emitter_find(name);
    if (!em)
        return ff_errf(e, FF_EINPUT, "bundle: the %s back-end is not part of this build", name);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/fogforge-bundle-%s.XXXXXX", ff_tmp_dir(), name);
    if (!mkdtemp(tmp))
        return ff_errf(e, FF_EINTERNAL, "cannot create a temp dir: %s", strerror(errno));
    ff_gen_opts go = {.outdir = tmp, .model_path = sp->model_path, .part = sp->part ? sp->part : FF_DEFAULT_PART,
                      .clock_ns = sp->clock_ns > 0 ? sp->clock_ns : FF_DEFAULT_CLOCK_NS,
                      .clock_set = sp->clock_set && sp->clock_ns > 0, .io_stream = sp->io_stream,
                      .slices = sp->slices && !strcmp(name, "rtl")};
    int rc = em->emit(q, &go, e);
    ff_bundle_file *pf = NULL;
    int np = 0;
    if (!rc)
        rc = read_dir_rec(tmp, "", 0, &pf, &np, e);
    /* the RTL project also gives the Verilator library the verilator backend
     * loads; built in a cache outside the project so it is not packed twice */
    char *vlib = NULL;
    size_t vlen = 0;
    if (!rc && !strcmp(name, "rtl"))
        rc = build_verilator(tmp, sp->sim_cache, &vlib, &vlen, e);
    ff_rm_tree(tmp);
    if (rc) {
        free_files(pf, np);
        return ff_err_prefix(e, "bundle --with %s", name);
    }
    if (vlib)
        add_file(files, nf, "verilator/libffsim.so", (unsigned char *)vlib, vlen);
    *pm = NULL;
    for (int i = 0; i < np; i++) {
        char rel[2048];
        snprintf(rel, sizeof rel, "%s/%s", name, pf[i].path);
        if (!strcmp(pf[i].path, "manifest.json"))
            *pm = cJSON_ParseWithLength((const char *)pf[i].data, pf[i].len);
        add_file(files, nf, rel, pf[i].data, pf[i].len);
        pf[i].data = NULL;
    }
    free_files(pf, np);
    return FF_OK;
}

int ff_bundle_create(const ff_qmodel *q, const ff_bundle_spec *sp, const char *out, ff_err *e)
{
    struct stat st;
    if (stat(out, &st) == 0)
        return ff_errf(e, FF_EINPUT, "bundle %s already exists (remove it first)", out);
    const ff_graph *g = q->g;
    char name[128];
    if (sp->name) {
        snprintf(name, sizeof name, "%s", sp->name);
    } else {
        const char *base = strrchr(sp->model_path, '/');
        snprintf(name, sizeof name, "%s", base ? base + 1 : sp->model_path);
        char *dot = strrchr(name, '.');
        if (dot && dot != name)
            *dot = 0;
    }
    cJSON *est = parse_obj(sp->estimate_json, "the estimate", e);
    if (!est)
        return FF_EINPUT;
    cJSON *meas = parse_obj(sp->measured_json, "the measured figures", e);
    if (!meas) {
        cJSON_Delete(est);
        return FF_EINPUT;
    }
    ff_bundle_file *files = NULL;
    int nf = 0;
    char *ffq = ff_ffq_dump(q, 0);
    add_file(&files, &nf, "model.ffq", (unsigned char *)ffq, strlen(ffq));
    if (sp->with_opencl) {
        char *cl = ff_opencl_source(q, sp->model_path);
        add_file(&files, &nf, "opencl/model.cl", (unsigned char *)cl, strlen(cl));
    }
    int n_before_projects = nf;
    cJSON *pmans[4] = {0};
    for (int i = 0; i < sp->n_projects && i < 4; i++) {
        int rc = add_project(q, sp, sp->with_projects[i], &files, &nf, &pmans[i], e);
        if (rc) {
            for (int k = 0; k < i; k++)
                cJSON_Delete(pmans[k]);
            free_files(files, nf);
            cJSON_Delete(est);
            cJSON_Delete(meas);
            return rc;
        }
    }

    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "format", FF_BUNDLE_FORMAT);
    cJSON_AddNumberToObject(m, "manifest_version", FF_BUNDLE_MANIFEST_VERSION);
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "version", sp->version ? sp->version : "1");
    char ts[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    cJSON_AddStringToObject(m, "created", ts);
    cJSON_AddStringToObject(m, "fogforge_version", FF_VERSION);
    cJSON *src = cJSON_AddObjectToObject(m, "source_model");
    cJSON_AddStringToObject(src, "path", g->source ? g->source : sp->model_path);
    cJSON_AddStringToObject(src, "sha256", g->source_sha256);
    cJSON *qm = cJSON_AddObjectToObject(m, "quantized_model");
    char sha[65];
    ff_sha256_hex(files[0].data, files[0].len, sha);
    cJSON_AddStringToObject(qm, "path", "model.ffq");
    cJSON_AddStringToObject(qm, "sha256", sha);
    cJSON_AddStringToObject(qm, "calibration", q->calib_desc);
    cJSON_AddItemToObject(m, "input", io_json(q, g->input));
    cJSON_AddItemToObject(m, "output", io_json(q, g->output));
    cJSON *layers = cJSON_AddArrayToObject(m, "layers");
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        const ff_layer_cfg *c = &q->qn[ni].cfg;
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", n->name);
        cJSON_AddStringToObject(l, "op", ff_op_name(n->op));
        cJSON_AddStringToObject(l, "activation", ff_act_name(n->act));
        cJSON_AddNumberToObject(l, "macs", (double)ff_node_macs(g, n));
        cJSON *cj = cJSON_AddObjectToObject(l, "config");
        cJSON_AddNumberToObject(cj, "weight_bits", c->weight_bits);
        cJSON_AddNumberToObject(cj, "act_bits", c->act_bits);
        cJSON_AddNumberToObject(cj, "acc_bits", c->acc_bits);
        cJSON_AddNumberToObject(cj, "lut_bits", c->lut_bits);
        cJSON_AddNumberToObject(cj, "reuse", c->reuse);
        cJSON_AddItemToArray(layers, l);
    }
    cJSON *tg = cJSON_AddObjectToObject(m, "target");
    cJSON_AddStringToObject(tg, "part", sp->part ? sp->part : FF_DEFAULT_PART);
    cJSON_AddNumberToObject(tg, "clock_ns", sp->clock_ns > 0 ? sp->clock_ns : FF_DEFAULT_CLOCK_NS);
    cJSON_AddItemToObject(m, "estimate", est);
    if (cJSON_IsNull(meas)) {
        cJSON_Delete(meas);
        meas = cJSON_CreateObject();
    }
    double cpu_us = measure_cpu_us(q);
    cJSON_AddNumberToObject(meas, "cpu_reference_us", (double)(int64_t)(cpu_us * 1000 + 0.5) / 1000);
    cJSON_AddItemToObject(m, "measured", meas);
    cJSON *pl = cJSON_AddObjectToObject(m, "predicted_latency_us");
    cJSON_AddNumberToObject(pl, "cpu", (double)(int64_t)(cpu_us * 1000 + 0.5) / 1000);
    /* the accelerator on a real FPGA: the estimate's latency at its clock */
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(est, "latency_us");
    const cJSON *latns = cJSON_GetObjectItemCaseSensitive(est, "latency_ns");
    if (cJSON_IsNumber(lat))
        cJSON_AddNumberToObject(pl, "fpga", lat->valuedouble);
    else if (cJSON_IsNumber(latns))
        cJSON_AddNumberToObject(pl, "fpga", latns->valuedouble / 1000);
    /* back-end projects: what they are, and the HLS kernel's name for xrt */
    for (int i = 0; i < sp->n_projects && i < 4; i++) {
        cJSON *pj = cJSON_AddObjectToObject(m, sp->with_projects[i]);
        cJSON_AddStringToObject(pj, "dir", sp->with_projects[i]);
        const cJSON *tops = cJSON_GetObjectItemCaseSensitive(pmans[i], "tops");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(tops, "kernel");
        if (cJSON_IsString(k))
            cJSON_AddStringToObject(pj, "kernel", k->valuestring);
        cJSON_Delete(pmans[i]);
    }
    cJSON *arts = cJSON_AddArrayToObject(m, "artifacts");
    add_artifact(arts, "ffq", &files[0]);
    if (sp->with_opencl)
        add_artifact(arts, "opencl", &files[1]);
    for (int i = n_before_projects; i < nf; i++) {
        char kind[32];
        snprintf(kind, sizeof kind, "%s", files[i].path);
        *strchr(kind, '/') = 0;
        add_artifact(arts, kind, &files[i]);
    }
    finish_manifest(m, &files, &nf);
    cJSON_Delete(m);

    int rc;
    if (ends_with(out, ".tar")) {
        rc = ff_bundle_write_tar(out, files, nf, e);
    } else {
        rc = ff_mkdirs(out, e);
        if (!rc)
            rc = write_dir(out, files, nf, e);
    }
    free_files(files, nf);
    return rc;
}

int ff_bundle_add_file(const char *bundle, const char *kind, const char *file, const char *relpath,
                       const cJSON *extra, ff_err *e)
{
    ff_bundle *b;
    int rc = ff_bundle_load(bundle, 0, &b, e);
    if (rc)
        return ff_err_prefix(e, "refusing to add to a bundle that does not verify");
    char *data;
    size_t len;
    if ((rc = ff_read_file(file, FF_BUNDLE_MAX_FILE, &data, &len, e))) {
        ff_bundle_close(b);
        return rc;
    }
    /* drop any artifact of this kind, and its file */
    cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts");
    for (int i = cJSON_GetArraySize(arts) - 1; i >= 0; i--) {
        cJSON *a = cJSON_GetArrayItem(arts, i);
        const char *k = jstr(a, "kind"), *p = jstr(a, "path");
        if (k && !strcmp(k, kind)) {
            ff_bundle_file *f = find_file(b->files, b->nfiles, p);
            if (f) {
                if (!b->is_tar) {
                    char full[4200];
                    snprintf(full, sizeof full, "%s/%s", bundle, p);
                    unlink(full);
                }
                free(f->path);
                free(f->data);
                *f = b->files[--b->nfiles];
            }
            cJSON_DeleteItemFromArray(arts, i);
        }
    }
    add_file(&b->files, &b->nfiles, relpath, (unsigned char *)data, len);
    add_artifact(arts, kind, &b->files[b->nfiles - 1]);
    if (extra) {
        cJSON *a = cJSON_GetArrayItem(arts, cJSON_GetArraySize(arts) - 1);
        const cJSON *it;
        cJSON_ArrayForEach(it, extra) cJSON_AddItemToObject(a, it->string, cJSON_Duplicate(it, 1));
    }
    finish_manifest(b->manifest, &b->files, &b->nfiles);
    if (b->is_tar) {
        rc = ff_bundle_write_tar(bundle, b->files, b->nfiles, e);
    } else {
        ff_bundle_file two[2] = {*find_file(b->files, b->nfiles, relpath),
                                 *find_file(b->files, b->nfiles, "manifest.json")};
        rc = write_dir(bundle, two, 2, e);
    }
    ff_bundle_close(b);
    return rc;
}
