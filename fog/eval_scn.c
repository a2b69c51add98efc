/* Scenario files of `fogforge eval` (docs/eval.md): one JSON object; every
 * field is checked and the first problem is reported as "what: where". */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

static const char *const known[] = {"name", "description", "robots", "rate_hz", "deadline_ms", "duration_s", "load",
                                    "edges", "edge_workers", "cloud_workers", "compute_us", "network", "links",
                                    "failures", NULL};

static int num(const cJSON *o, const char *k, double lo, double hi, double dflt, double *out, const char *where, char *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v) {
        if (isnan(dflt)) return ff_fog_fail(err, FF_FOG_EINPUT, "scenario: missing \"%s\"%s", k, where);
        *out = dflt;
        return FF_FOG_OK;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return ff_fog_fail(err, FF_FOG_EINPUT, "scenario: \"%s\"%s must be a number in [%g, %g]", k, where, lo, hi);
    *out = v->valuedouble;
    return FF_FOG_OK;
}

static int inum(const cJSON *o, const char *k, double lo, double hi, double dflt, int *out, const char *where, char *err)
{
    double d = 0;
    int rc = num(o, k, lo, hi, dflt, &d, where, err);
    if (!rc && d != floor(d)) rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: \"%s\"%s must be an integer", k, where);
    if (!rc) *out = (int)d;
    return rc;
}

static int link_parse(const cJSON *links, const char *k, ff_linkem_link *l, char *trace, size_t tcap, char *err)
{
    memset(l, 0, sizeof *l);
    const cJSON *o = links ? cJSON_GetObjectItemCaseSensitive(links, k) : NULL;
    if (!o) return FF_FOG_OK;
    char where[32];
    snprintf(where, sizeof where, " in links.%s", k);
    if (!cJSON_IsObject(o)) return ff_fog_fail(err, FF_FOG_EINPUT, "scenario: links.%s must be an object", k);
    int rc;
    if ((rc = num(o, "rtt_ms", 0, 10000, 0, &l->rtt_ms, where, err)) ||
        (rc = num(o, "jitter_ms", 0, 10000, 0, &l->jitter_ms, where, err)) ||
        (rc = num(o, "loss", 0, 0.5, 0, &l->loss, where, err)))
        return rc;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "trace");
    if (t) {
        if (!cJSON_IsString(t) || !t->valuestring[0] || strlen(t->valuestring) >= tcap)
            return ff_fog_fail(err, FF_FOG_EINPUT, "scenario: \"trace\"%s must be a file name", where);
        snprintf(trace, tcap, "%s", t->valuestring);
    }
    return FF_FOG_OK;
}

int ff_eval_scn_parse(const char *json, const char *dir, ff_eval_scn *s, char *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir ? dir : ".");
    cJSON *js = cJSON_Parse(json);
    if (!js) return ff_fog_fail(err, FF_FOG_EINPUT, "scenario: not JSON near byte %ld", (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - json : 0));
    int rc = FF_FOG_OK;
    if (!cJSON_IsObject(js)) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: top level must be an object");
        goto out;
    }
    for (const cJSON *it = js->child; it; it = it->next) {
        int ok = 0;
        for (int i = 0; known[i]; i++) ok |= !strcmp(it->string, known[i]);
        if (!ok) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: unknown field \"%s\"", it->string);
            goto out;
        }
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(js, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) >= sizeof s->name) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: \"name\" must be a string of 1-63 characters");
        goto out;
    }
    snprintf(s->name, sizeof s->name, "%s", name->valuestring);
    if ((rc = inum(js, "robots", 1, 64, NAN, &s->robots, "", err)) ||
        (rc = num(js, "rate_hz", 0.1, 1000, NAN, &s->rate_hz, "", err)) ||
        (rc = num(js, "deadline_ms", 0.1, 60000, NAN, &s->deadline_ms, "", err)) ||
        (rc = num(js, "duration_s", 1, 600, NAN, &s->duration_s, "", err)) ||
        (rc = inum(js, "edges", 1, 8, 2, &s->edges, "", err)) ||
        (rc = inum(js, "edge_workers", 1, 64, 1, &s->edge_workers, "", err)) ||
        (rc = inum(js, "cloud_workers", 1, 256, 8, &s->cloud_workers, "", err)))
        goto out;
    const cJSON *load = cJSON_GetObjectItemCaseSensitive(js, "load");
    if (load) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(load, "pattern");
        if (!cJSON_IsObject(load) || !cJSON_IsString(p) ||
            (strcmp(p->valuestring, "steady") && strcmp(p->valuestring, "bursts"))) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: load.pattern must be \"steady\" or \"bursts\"");
            goto out;
        }
        s->bursts = !strcmp(p->valuestring, "bursts");
        if (s->bursts && ((rc = num(load, "period_s", 0.1, 600, NAN, &s->burst_period_s, " in load", err)) ||
                          (rc = num(load, "duty", 0.01, 1, NAN, &s->burst_duty, " in load", err)) ||
                          (rc = num(load, "factor", 1, 100, NAN, &s->burst_factor, " in load", err))))
            goto out;
    }
    const cJSON *cu = cJSON_GetObjectItemCaseSensitive(js, "compute_us");
    if (cu && !cJSON_IsObject(cu)) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: compute_us must be an object");
        goto out;
    }
    if (cu && ((rc = inum(cu, "robot", 0, 10000000, 0, &s->robot_compute_us, " in compute_us", err)) ||
               (rc = inum(cu, "edge", 0, 10000000, 0, &s->edge_compute_us, " in compute_us", err)) ||
               (rc = inum(cu, "cloud", 0, 10000000, 0, &s->cloud_compute_us, " in compute_us", err))))
        goto out;
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(js, "network");
    if (net && (!cJSON_IsString(net) || (strcmp(net->valuestring, "loopback") && strcmp(net->valuestring, "namespaces")))) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: network must be \"loopback\" or \"namespaces\"");
        goto out;
    }
    s->namespaces = net && !strcmp(net->valuestring, "namespaces");
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(js, "links");
    if (links && !cJSON_IsObject(links)) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: links must be an object");
        goto out;
    }
    if ((rc = link_parse(links, "edge", &s->edge_link, s->edge_trace, sizeof s->edge_trace, err)) ||
        (rc = link_parse(links, "cloud", &s->cloud_link, s->cloud_trace, sizeof s->cloud_trace, err)))
        goto out;
    if (links && links->child && !s->namespaces) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: links need \"network\": \"namespaces\"");
        goto out;
    }
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(js, "failures");
    if (fl) {
        if (!cJSON_IsArray(fl) || cJSON_GetArraySize(fl) > FF_EVAL_MAX_FAIL) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: failures must be an array of at most %d", FF_EVAL_MAX_FAIL);
            goto out;
        }
        const cJSON *f;
        cJSON_ArrayForEach(f, fl)
        {
            ff_eval_failure *x = &s->fail[s->n_fail];
            char where[32];
            snprintf(where, sizeof where, " in failures[%d]", s->n_fail);
            if (!cJSON_IsObject(f)) {
                rc = ff_fog_fail(err, FF_FOG_EINPUT, "scenario: failures[%d] must be an object", s->n_fail);
                goto out;
            }
            if ((rc = inum(f, "kill_edge", 0, s->edges - 1, NAN, &x->edge, where, err)) ||
                (rc = num(f, "at_s", 0, s->duration_s, NAN, &x->kill_s, where, err)) ||
                (rc = num(f, "restart_s", x->kill_s, s->duration_s, -1, &x->restart_s, where, err)))
                goto out;
            s->n_fail++;
        }
    }
out:
    cJSON_Delete(js);
    return rc;
}

int ff_eval_scn_load(const char *path, ff_eval_scn *s, char *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return ff_fog_fail(err, FF_FOG_EINPUT, "cannot open scenario: %s: %s", strerror(errno), path);
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    int big = buf && !feof(f);
    fclose(f);
    if (!buf) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: scenario");
    if (big) {
        free(buf);
        return ff_fog_fail(err, FF_FOG_EINPUT, "scenario larger than 1 MiB: %s", path);
    }
    buf[n] = 0;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *sl = strrchr(dir, '/');
    if (sl) *sl = 0;
    else snprintf(dir, sizeof dir, ".");
    char e2[FF_FOG_ERRLEN];
    int rc = ff_eval_scn_parse(buf, dir, s, e2);
    free(buf);
    if (rc) return ff_fog_fail(err, rc, "%.200s: %s", e2, path);
    return FF_FOG_OK;
}
