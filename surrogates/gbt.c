/* XGBoost training through its C API, our evaluator of its JSON models, and
 * their binary cache (the trees as one flat array, loaded with one read). */
#include "gbt.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xgboost/c_api.h>

/* One node of a tree, all trees of a model in one array, 8 bytes: an
 * inner node tests x[feat] < cond (a missing value goes left when DLEFT)
 * and its children are adjacent, the left one `off` nodes after it; a
 * leaf (LEAF) holds its value in cond. The binary cache stores exactly
 * this array. */
typedef struct {
    float cond;
    uint32_t w; /* LEAF | DLEFT | feat << FEAT_SHIFT | off */
} node;
#define LEAF 0x80000000u
#define DLEFT 0x40000000u
#define FEAT_SHIFT 20
#define FEAT_MAX 1023u           /* 10 bits of feature index */
#define OFF_MAX 0xfffffu         /* 20 bits of child offset */

struct ff_gbt {
    const node *n;         /* all nodes */
    const uint32_t *root;  /* first node of each tree */
    int nt, nf;
    int64_t nn;
    double base;
    void *own_n, *own_root; /* parsed from JSON: malloc'd */
    void *map;              /* loaded from the cache: its mapping */
    size_t maplen;
};

static int xgb_fail(ff_err *e, const char *what)
{
    return ff_errf(e, FF_EINTERNAL, "XGBoost: %s: %s", what, XGBGetLastError());
}

int ff_gbt_train(const float *X, int64_t n, int nf, const float *y, const ff_gbt_params *p, const char *json_path,
                 ff_err *e)
{
    DMatrixHandle d;
    if (XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)nf, NAN, &d))
        return xgb_fail(e, "creating the training matrix");
    if (XGDMatrixSetFloatInfo(d, "label", y, (bst_ulong)n)) {
        XGDMatrixFree(d);
        return xgb_fail(e, "setting labels");
    }
    if (p->weight && XGDMatrixSetFloatInfo(d, "weight", p->weight, (bst_ulong)n)) {
        XGDMatrixFree(d);
        return xgb_fail(e, "setting weights");
    }
    BoosterHandle b;
    if (XGBoosterCreate(&d, 1, &b)) {
        XGDMatrixFree(d);
        return xgb_fail(e, "creating the booster");
    }
    int rc = FF_OK;
    struct {
        const char *k;
        char v[32];
    } ps[] = {{"objective", "reg:squarederror"}, {"tree_method", "hist"}, {"nthread", "1"},
              {"max_depth", ""}, {"eta", ""}, {"subsample", ""}, {"seed", ""}, {"verbosity", "0"}};
    snprintf(ps[3].v, sizeof ps[3].v, "%d", p->max_depth);
    snprintf(ps[4].v, sizeof ps[4].v, "%g", p->eta);
    snprintf(ps[5].v, sizeof ps[5].v, "%g", p->subsample);
    snprintf(ps[6].v, sizeof ps[6].v, "%llu", (unsigned long long)(p->seed % 2147483647));
    for (size_t i = 0; i < sizeof ps / sizeof ps[0] && !rc; i++)
        if (XGBoosterSetParam(b, ps[i].k, ps[i].v))
            rc = xgb_fail(e, ps[i].k);
    for (int it = 0; it < p->rounds && !rc; it++)
        if (XGBoosterUpdateOneIter(b, it, d))
            rc = xgb_fail(e, "training");
    if (!rc && XGBoosterSaveModel(b, json_path))
        rc = xgb_fail(e, json_path);
    XGBoosterFree(b);
    XGDMatrixFree(d);
    return rc;
}

int ff_gbt_xgb_predict(const char *json_path, const float *X, int64_t n, int nf, float *out, ff_err *e)
{
    BoosterHandle b;
    if (XGBoosterCreate(NULL, 0, &b))
        return xgb_fail(e, "creating the booster");
    int rc = FF_OK;
    DMatrixHandle d = NULL;
    bst_ulong len;
    const float *res;
    if (XGBoosterLoadModel(b, json_path))
        rc = xgb_fail(e, json_path);
    else if (XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)nf, NAN, &d))
        rc = xgb_fail(e, "creating the matrix");
    else if (XGBoosterPredict(b, d, 0, 0, 0, &len, &res))
        rc = xgb_fail(e, "predicting");
    else if ((int64_t)len != n)
        rc = ff_errf(e, FF_EINTERNAL, "XGBoost returned %llu predictions for %lld rows", (unsigned long long)len,
                     (long long)n);
    else
        memcpy(out, res, sizeof(float) * (size_t)n);
    if (d)
        XGDMatrixFree(d);
    XGBoosterFree(b);
    return rc;
}

void ff_gbt_free(ff_gbt *m)
{
    if (!m)
        return;
    free(m->own_n);
    free(m->own_root);
    if (m->map)
        munmap(m->map, m->maplen);
    free(m);
}

static const cJSON *path(const cJSON *o, const char *const *keys)
{
    for (; *keys && o; keys++)
        o = cJSON_GetObjectItemCaseSensitive(o, *keys);
    return o;
}

/* Reads a numeric array of exactly n entries (or n = -1: any, returned in *n). */
static int arr(const cJSON *t, const char *k, int *n, double **out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(t, k);
    if (!cJSON_IsArray(a))
        return 0;
    int len = cJSON_GetArraySize(a);
    if (*n >= 0 && len != *n)
        return 0;
    *n = len;
    *out = ff_malloc(sizeof(double) * (size_t)(len ? len : 1));
    int i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x)) {
            free(*out);
            *out = NULL;
            return 0;
        }
        (*out)[i] = x->valuedouble;
    }
    return 1;
}

/* v is a whole number in [lo, hi) (false for NaN) */
static int index_in(double v, double lo, double hi)
{
    return v >= lo && v < hi && v == floor(v);
}

int ff_gbt_parse(const char *json, const char *where, int nf, ff_gbt **out, ff_err *e)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return ff_errf(e, FF_EINPUT, "%s: not an XGBoost JSON model (invalid JSON)", where);
    int rc = FF_OK;
    ff_gbt *m = ff_calloc(1, sizeof *m);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    static const char *const kp[] = {"learner", "learner_model_param", NULL};
    static const char *const kt[] = {"learner", "gradient_booster", "model", "trees", NULL};
    static const char *const kb[] = {"learner", "gradient_booster", "name", NULL};
    const cJSON *lp = path(root, kp), *trees = path(root, kt), *gb = path(root, kb);
    if (!cJSON_IsArray(ver) || cJSON_GetArraySize(ver) < 1 || !cJSON_IsNumber(ver->child)) {
        rc = ff_errf(e, FF_EINPUT, "%s: not an XGBoost JSON model (no version)", where);
    } else if (ver->child->valueint != 1) {
        rc = ff_errf(e, FF_EINPUT, "%s: XGBoost model format version %d.x; this build reads 1.x (retrain with fogforge surrogate train)",
                     where, ver->child->valueint);
    } else if (!lp || !cJSON_IsArray(trees) || !cJSON_IsString(gb) || strcmp(gb->valuestring, "gbtree")) {
        rc = ff_errf(e, FF_EINPUT, "%s: not a gbtree XGBoost model", where);
    } else {
        const cJSON *bs = cJSON_GetObjectItemCaseSensitive(lp, "base_score");
        const cJSON *nfe = cJSON_GetObjectItemCaseSensitive(lp, "num_feature");
        m->base = cJSON_IsString(bs) ? atof(bs->valuestring) : 0.5;
        m->nf = cJSON_IsString(nfe) ? atoi(nfe->valuestring) : -1;
        if (nf >= 0 && m->nf != nf)
            rc = ff_errf(e, FF_EINPUT, "%s: model expects %d features, this fogforge computes %d (retrain)", where,
                         m->nf, nf);
    }
    if (!rc && (m->nf < 0 || (uint32_t)m->nf > FEAT_MAX + 1))
        rc = ff_errf(e, FF_EINPUT, "%s: %d features; this evaluator reads at most %u", where, m->nf, FEAT_MAX + 1);
    if (!rc) {
        m->nt = cJSON_GetArraySize(trees);
        uint32_t *roots = ff_calloc((size_t)(m->nt ? m->nt : 1), sizeof *roots);
        node *nodes = NULL;
        m->own_root = roots;
        int64_t cap = 0;
        int *order = NULL, ocap = 0;
        int i = 0;
        for (const cJSON *t = trees->child; t && !rc; t = t->next, i++) {
            double *l = NULL, *r = NULL, *f = NULL, *c = NULL, *dl = NULL;
            int n = -1;
            if (!arr(t, "left_children", &n, &l) || !arr(t, "right_children", &n, &r) ||
                !arr(t, "split_indices", &n, &f) || !arr(t, "split_conditions", &n, &c) ||
                !arr(t, "default_left", &n, &dl) || n < 1 || n > (int)OFF_MAX || m->nn + n > INT32_MAX) {
                rc = ff_errf(e, FF_EINPUT, "%s: tree %d is malformed", where, i);
            } else {
                /* a leaf (left child -1) or children after it and a known
                 * feature, all whole numbers; a condition (a leaf's value)
                 * a float (compared as doubles first: a cast of NaN or of a
                 * value out of range is undefined) */
                for (int k = 0; k < n && !rc; k++)
                    if ((l[k] != -1 && !(index_in(l[k], k + 1, n) && index_in(r[k], k + 1, n) &&
                                         index_in(f[k], 0, m->nf))) ||
                        !(fabs(c[k]) <= FLT_MAX))
                        rc = ff_errf(e, FF_EINPUT, "%s: tree %d node %d is malformed", where, i, k);
                if (!rc) {
                    /* breadth first, each node's children side by side */
                    if (n > ocap) {
                        ocap = n;
                        order = ff_realloc(order, sizeof *order * (size_t)ocap);
                    }
                    int *pos = ff_malloc(sizeof *pos * (size_t)n);
                    for (int k = 0; k < n; k++)
                        pos[k] = -1;
                    int head = 0, tail = 0;
                    order[tail++] = 0;
                    pos[0] = 0;
                    while (head < tail && !rc) {
                        int k = order[head++];
                        if (l[k] == -1)
                            continue;
                        int a = (int)l[k], b = (int)r[k];
                        if (pos[a] >= 0 || pos[b] >= 0 || a == b) {
                            rc = ff_errf(e, FF_EINPUT, "%s: tree %d is not a tree", where, i);
                            break;
                        }
                        pos[a] = tail, order[tail++] = a;
                        pos[b] = tail, order[tail++] = b;
                    }
                    if (m->nn + tail > cap) {
                        cap = 2 * cap > m->nn + tail ? 2 * cap : m->nn + tail + 1024;
                        nodes = ff_realloc(nodes, sizeof *nodes * (size_t)cap);
                    }
                    roots[i] = (uint32_t)m->nn;
                    for (int q = 0; q < tail && !rc; q++) {
                        int k = order[q];
                        node *x = &nodes[m->nn + q];
                        x->cond = (float)c[k];
                        if (l[k] == -1)
                            x->w = LEAF;
                        else
                            x->w = (dl[k] != 0 ? DLEFT : 0) | (uint32_t)f[k] << FEAT_SHIFT |
                                   (uint32_t)(pos[(int)l[k]] - q);
                    }
                    m->nn += tail;
                    free(pos);
                }
            }
            free(l), free(r), free(f), free(c), free(dl);
        }
        free(order);
        m->own_n = nodes;
        m->n = nodes;
        m->root = roots;
    }
    cJSON_Delete(root);
    if (rc) {
        ff_gbt_free(m);
        return rc;
    }
    *out = m;
    return FF_OK;
}

/* ---- binary cache: <model>.bin beside <model>.json ----
 * header, then nt uint32 tree roots, then nn nodes, native byte order
 * (the endian mark refuses a file from another byte order). The header
 * names the JSON it was made from (inode, size, mtime, ctime, sha256): the
 * cache is used when inode, size, mtime and ctime match (ctime cannot be
 * set back by hand),
 * or when the size matches and the JSON's sha256 is the recorded one;
 * otherwise the JSON is parsed. */
#define BIN_MAGIC "FFGBTBIN"
#define BIN_VERSION 2
#define BIN_ENDIAN 0x01020304u

typedef struct {
    char magic[8];
    uint32_t version, endian, nf, nt;
    int64_t nn;
    double base;
    int64_t json_size, json_ino, json_mtime_s, json_mtime_ns, json_ctime_s, json_ctime_ns;
    char json_sha256[65];
    char pad[7];
} bin_header;

static void bin_path(const char *json_path, char *out, size_t n)
{
    size_t l = strlen(json_path);
    if (l > 5 && !strcmp(json_path + l - 5, ".json"))
        snprintf(out, n, "%.*s.bin", (int)(l - 5), json_path);
    else
        snprintf(out, n, "%s.bin", json_path);
}

static int write_bin(const ff_gbt *m, const char *json_path, const struct stat *st_json, const char *sha, ff_err *e)
{
    const struct stat st = *st_json;
    bin_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, BIN_MAGIC, 8);
    h.version = BIN_VERSION;
    h.endian = BIN_ENDIAN;
    h.nf = (uint32_t)m->nf;
    h.nt = (uint32_t)m->nt;
    h.nn = m->nn;
    h.base = m->base;
    h.json_size = (int64_t)st.st_size;
    h.json_ino = (int64_t)st.st_ino;
    h.json_mtime_s = (int64_t)st.st_mtim.tv_sec;
    h.json_mtime_ns = (int64_t)st.st_mtim.tv_nsec;
    h.json_ctime_s = (int64_t)st.st_ctim.tv_sec;
    h.json_ctime_ns = (int64_t)st.st_ctim.tv_nsec;
    snprintf(h.json_sha256, sizeof h.json_sha256, "%s", sha);
    size_t len = sizeof h + sizeof(uint32_t) * (size_t)m->nt + sizeof(node) * (size_t)m->nn;
    if (m->nt % 2) /* nodes 8-byte aligned */
        len += sizeof(uint32_t);
    char *buf = ff_malloc(len), *p = buf;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    memcpy(p, m->root, sizeof(uint32_t) * (size_t)m->nt);
    p += sizeof(uint32_t) * (size_t)m->nt;
    if (m->nt % 2) {
        memset(p, 0, sizeof(uint32_t));
        p += sizeof(uint32_t);
    }
    memcpy(p, m->n, sizeof(node) * (size_t)m->nn);
    char path[4200];
    bin_path(json_path, path, sizeof path);
    int rc = ff_write_file_atomic(path, buf, len, e);
    free(buf);
    return rc;
}

/* The cached model when the header describes this JSON file (st; sha when
 * already computed, else NULL: then size and mtime must match). NULL when
 * the cache is absent, stale or damaged; *hash_may_help (may be NULL) is
 * set when only the mtime differed, so the JSON's sha256 can decide. */
static ff_gbt *read_bin(const char *json_path, const struct stat *st, const char *sha, int nf, int *hash_may_help)
{
    if (hash_may_help)
        *hash_may_help = 0;
    char path[4200];
    bin_path(json_path, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat bs;
    void *map = MAP_FAILED;
    if (fstat(fd, &bs) == 0 && bs.st_size >= (off_t)sizeof(bin_header))
        map = mmap(NULL, (size_t)bs.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    size_t len = (size_t)bs.st_size;
    const bin_header *h = map;
    ff_gbt *m = NULL;
    if (memcmp(h->magic, BIN_MAGIC, 8) || h->version != BIN_VERSION || h->endian != BIN_ENDIAN ||
        (nf >= 0 && h->nf != (uint32_t)nf) || h->nf > FEAT_MAX + 1 || h->nt > (1u << 24) || h->nn < 1 ||
        h->nn > ((int64_t)1 << 28) || h->json_size != (int64_t)st->st_size || h->json_sha256[64] ||
        len != sizeof *h + sizeof(uint32_t) * (h->nt + h->nt % 2) + sizeof(node) * (size_t)h->nn)
        goto bad;
    int same_stat = h->json_ino == (int64_t)st->st_ino && h->json_mtime_s == (int64_t)st->st_mtim.tv_sec &&
                    h->json_mtime_ns == (int64_t)st->st_mtim.tv_nsec &&
                    h->json_ctime_s == (int64_t)st->st_ctim.tv_sec && h->json_ctime_ns == (int64_t)st->st_ctim.tv_nsec;
    if (sha ? strcmp(sha, h->json_sha256) != 0 : !same_stat) {
        if (hash_may_help && !sha)
            *hash_may_help = 1;
        goto bad;
    }
    m = ff_calloc(1, sizeof *m);
    m->nf = (int)h->nf;
    m->nt = (int)h->nt;
    m->nn = h->nn;
    m->base = h->base;
    m->root = (const uint32_t *)(h + 1);
    m->n = (const node *)(m->root + h->nt + h->nt % 2);
    /* structure: roots in order and in range, children inside their tree
     * and after their parent, features known: a damaged file is refused,
     * never walked */
    for (uint32_t t = 0; t < h->nt; t++)
        if (m->root[t] >= (uint64_t)h->nn || (t && m->root[t] <= m->root[t - 1]))
            goto bad;
    for (uint32_t t = 0; t < h->nt; t++) {
        int64_t end = t + 1 < h->nt ? m->root[t + 1] : h->nn;
        for (int64_t k = m->root[t]; k < end; k++) {
            uint32_t w = m->n[k].w;
            if (w & LEAF)
                continue;
            int64_t off = w & OFF_MAX;
            if (off < 1 || k + off + 1 >= end || ((w >> FEAT_SHIFT) & FEAT_MAX) >= h->nf)
                goto bad;
        }
    }
    m->map = map;
    m->maplen = len;
    return m;
bad:
    free(m);
    munmap(map, len);
    return NULL;
}

int ff_gbt_load(const char *json_path, int nf, ff_gbt **out, ff_err *e)
{
    *out = NULL;
    struct stat st;
    int hash_may_help = 0;
    if (stat(json_path, &st) == 0 && (*out = read_bin(json_path, &st, NULL, nf, &hash_may_help)))
        return FF_OK;
    char *data;
    size_t len;
    int rc = ff_read_file(json_path, (size_t)256 << 20, &data, &len, e);
    if (rc)
        return rc;
    if (hash_may_help) {
        /* copied or checked out (a new mtime): the cache holds if the content is the one it was made from */
        char sha[65];
        ff_sha256_hex(data, len, sha);
        struct stat st2 = st;
        st2.st_size = (off_t)len;
        if ((*out = read_bin(json_path, &st2, sha, nf, NULL))) {
            free(data);
            return FF_OK;
        }
    }
    rc = ff_gbt_parse(data, json_path, nf, out, e);
    free(data);
    return rc;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int ff_gbt_write_cache(const char *json_path, int nf, ff_err *e)
{
    /* File times tick coarsely (a few ms here): a rewrite of the JSON in the
     * tick it was last changed in would keep its ctime. Reading it only once
     * the clock has moved past that ctime makes any later change show. */
    struct stat st, st2;
    if (stat(json_path, &st))
        return ff_errf(e, FF_EINPUT, "cannot open %s: %s", json_path, strerror(errno));
    for (int i = 0; i < 1000; i++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME_COARSE, &now);
        if (now.tv_sec > st.st_ctim.tv_sec || (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec > st.st_ctim.tv_nsec))
            break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    char *data;
    size_t len;
    int rc = ff_read_file(json_path, (size_t)256 << 20, &data, &len, e);
    if (rc)
        return rc;
    if (stat(json_path, &st2) || !same_file(&st, &st2) || (size_t)st.st_size != len) {
        free(data);
        return ff_errf(e, FF_EINPUT, "%s changed while its cache was written; run again", json_path);
    }
    ff_gbt *m;
    rc = ff_gbt_parse(data, json_path, nf, &m, e);
    if (!rc) {
        char sha[65];
        ff_sha256_hex(data, len, sha);
        rc = write_bin(m, json_path, &st, sha, e);
        ff_gbt_free(m);
    }
    free(data);
    return rc;
}

int ff_gbt_cache_state(const char *json_path, int nf)
{
    struct stat st;
    if (stat(json_path, &st))
        return -1;
    ff_gbt *m = read_bin(json_path, &st, NULL, nf, NULL);
    if (m) {
        ff_gbt_free(m);
        return 1;
    }
    return 0;
}

double ff_gbt_predict(const ff_gbt *m, const float *x)
{
    double s = m->base;
    const node *n = m->n;
    for (int i = 0; i < m->nt; i++) {
        const node *k = n + m->root[i];
        while (!(k->w & LEAF)) {
            float v = x[(k->w >> FEAT_SHIFT) & FEAT_MAX];
            int right = isnan(v) ? !(k->w & DLEFT) : !(v < k->cond);
            k += (k->w & OFF_MAX) + (uint32_t)right;
        }
        s += k->cond;
    }
    return s;
}
