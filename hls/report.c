/* Vitis HLS and Vivado report import: csynth XML through libxml2, Vivado's
 * utilization tables line by line, and the shared JSON shape via cJSON. */
#include "report.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void xml_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void xml_silent_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

/* Child element of n named name (NULL when absent). */
static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

/* Element at a '/'-separated path below n. */
static xmlNodePtr at(xmlNodePtr n, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save, *tok = strtok_r(buf, "/", &save); tok && n; tok = strtok_r(NULL, "/", &save))
        n = child(n, tok);
    return n;
}

/* Trimmed text of the element at path into out; 0 when absent. */
static int text(xmlNodePtr n, const char *path, char *out, size_t len)
{
    xmlNodePtr c = at(n, path);
    if (!c)
        return 0;
    xmlChar *s = xmlNodeGetContent(c);
    const char *p = (const char *)s;
    while (p && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    snprintf(out, len, "%s", p ? p : "");
    xmlFree(s);
    size_t l = strlen(out);
    while (l && (out[l - 1] == ' ' || out[l - 1] == '\n' || out[l - 1] == '\t' || out[l - 1] == '\r'))
        out[--l] = 0;
    return 1;
}

/* Number at path: 1 ok, 0 absent, -1 present but not a number ("undef" and friends). */
static int number(xmlNodePtr n, const char *path, double *v)
{
    char buf[128], *end;
    if (!text(n, path, buf, sizeof buf))
        return 0;
    double d = strtod(buf, &end);
    if (!isfinite(d) || d > 9e15 || d < -9e15)
        return -1;
    while (*end == ' ')
        end++;
    if (end == buf || (*end && strcmp(end, "ns")))
        return -1;
    *v = d;
    return 1;
}

static int64_t cycles(xmlNodePtr n, const char *path)
{
    double v;
    return number(n, path, &v) == 1 && v >= 0 ? (int64_t)v : -1;
}

int ff_report_csynth(const char *path, ff_report *r, ff_err *e)
{
    char *data;
    size_t len;
    int rc = ff_read_file(path, 64u << 20, &data, &len, e);
    if (rc)
        return ff_errf(e, FF_EINPUT, "report: cannot read %s", path);
    rc = ff_report_csynth_mem(data, len, path, r, e);
    free(data);
    return rc;
}

int ff_report_csynth_mem(const char *data, size_t len, const char *path, ff_report *r, ff_err *e)
{
    xmlSetGenericErrorFunc(NULL, xml_silent);
    xmlSetStructuredErrorFunc(NULL, xml_silent_structured);
    if (len > INT32_MAX)
        return ff_errf(e, FF_EINPUT, "report: %s: too large", path);
    xmlDocPtr doc = xmlReadMemory(data, (int)len, path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *x = xmlGetLastError();
        if (x && x->line > 0)
            return ff_errf(e, FF_EINPUT, "report: %s: not well-formed XML (line %d)", path, x->line);
        return ff_errf(e, FF_EINPUT, "report: %s: not well-formed XML, or unreadable", path);
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = FF_OK;
    if (!root || strcmp((const char *)root->name, "profile")) {
        rc = ff_errf(e, FF_EINPUT, "report: %s: not a Vitis HLS csynth report (root element <%s>, want <profile>)",
                     path, root ? (const char *)root->name : "none");
        goto out;
    }
    snprintf(r->csynth_path, sizeof r->csynth_path, "%s", path);
    if (!text(root, "UserAssignments/TopModelName", r->design, sizeof r->design) || !r->design[0]) {
        rc = ff_errf(e, FF_EINPUT, "report: %s: no UserAssignments/TopModelName", path);
        goto out;
    }
    text(root, "UserAssignments/Part", r->part, sizeof r->part);
    char ver[32] = "";
    if (text(root, "ReportVersion/Version", ver, sizeof ver))
        snprintf(r->tool, sizeof r->tool, "Vitis HLS %s", ver);
    else
        snprintf(r->tool, sizeof r->tool, "Vitis HLS");
    r->clock_target_ns = r->clock_est_ns = r->clock_uncertainty_ns = -1;
    number(root, "UserAssignments/TargetClockPeriod", &r->clock_target_ns);
    number(root, "UserAssignments/ClockUncertainty", &r->clock_uncertainty_ns);
    number(root, "PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", &r->clock_est_ns);
    const char *lat = "PerformanceEstimates/SummaryOfOverallLatency";
    xmlNodePtr l = at(root, lat);
    if (!l) {
        rc = ff_errf(e, FF_EINPUT, "report: %s: no %s", path, lat);
        goto out;
    }
    r->lat_best = cycles(l, "Best-caseLatency");
    r->lat_avg = cycles(l, "Average-caseLatency");
    r->lat_worst = cycles(l, "Worst-caseLatency");
    r->ii_min = cycles(l, "Interval-min");
    r->ii_max = cycles(l, "Interval-max");
    static const struct {
        const char *tag, *alt;
        size_t off;
        int required;
    } res[] = {
        {"LUT", NULL, offsetof(ff_res, lut), 1},     {"FF", NULL, offsetof(ff_res, ff), 1},
        {"DSP", "DSP48E", offsetof(ff_res, dsp), 1}, {"BRAM_18K", NULL, offsetof(ff_res, bram18), 1},
        {"URAM", NULL, offsetof(ff_res, uram), 0},
    };
    xmlNodePtr used = at(root, "AreaEstimates/Resources"), avail = at(root, "AreaEstimates/AvailableResources");
    if (!used) {
        rc = ff_errf(e, FF_EINPUT, "report: %s: no AreaEstimates/Resources", path);
        goto out;
    }
    r->has_avail = avail != NULL;
    for (size_t i = 0; i < sizeof res / sizeof res[0]; i++) {
        double v = 0;
        int got = number(used, res[i].tag, &v);
        if (got == 0 && res[i].alt)
            got = number(used, res[i].alt, &v);
        if (got < 0 || (got == 0 && res[i].required)) {
            rc = ff_errf(e, FF_EINPUT, "report: %s: AreaEstimates/Resources/%s %s", path, res[i].tag,
                         got ? "is not a number" : "is missing");
            goto out;
        }
        *(double *)((char *)&r->csynth + res[i].off) = got == 1 ? v : 0;
        double a = 0;
        if (avail && (number(avail, res[i].tag, &a) == 1 || (res[i].alt && number(avail, res[i].alt, &a) == 1)))
            *(double *)((char *)&r->avail + res[i].off) = a;
    }
out:
    xmlFreeDoc(doc);
    return rc;
}

/* "| Slice LUTs*  |  1234 |  0 | ..." -> name "Slice LUTs", used 1234. */
static int util_row(const char *line, char *name, size_t n, double *used)
{
    if (line[0] != '|')
        return 0;
    const char *a = line + 1, *bar = strchr(a, '|');
    if (!bar)
        return 0;
    while (*a == ' ')
        a++;
    size_t l = (size_t)(bar - a);
    while (l && (a[l - 1] == ' ' || a[l - 1] == '*'))
        l--;
    snprintf(name, n, "%.*s", (int)l, a);
    char *end;
    *used = strtod(bar + 1, &end);
    while (*end == ' ')
        end++;
    return end != bar + 1 && *end == '|';
}

int ff_report_vivado(const char *path, ff_report *r, ff_err *e)
{
    char *data;
    size_t len;
    int rc = ff_read_file(path, 64u << 20, &data, &len, e);
    if (rc)
        return ff_errf(e, FF_EINPUT, "report: cannot read %s", path);
    rc = ff_report_vivado_mem(data, len, path, r, e);
    free(data);
    return rc;
}

int ff_report_vivado_mem(const char *data, size_t len, const char *path, ff_report *r, ff_err *e)
{
    char line[1024], name[128];
    double v;
    int seen[5] = {0};
    ff_res x = {0};
    for (size_t pos = 0; pos < len;) {
        size_t l = 0;
        while (pos + l < len && data[pos + l] != '\n')
            l++;
        snprintf(line, sizeof line, "%.*s", (int)(l < sizeof line ? l : sizeof line - 1), data + pos);
        pos += l + 1;
        if (!util_row(line, name, sizeof name, &v) || !(v >= 0 && v < 1e12))
            continue;
        int k = -1;
        if (!strcmp(name, "Slice LUTs") || !strcmp(name, "CLB LUTs"))
            k = 0;
        else if (!strcmp(name, "Slice Registers") || !strcmp(name, "CLB Registers"))
            k = 1;
        else if (!strcmp(name, "DSPs"))
            k = 2;
        else if (!strcmp(name, "Block RAM Tile"))
            k = 3;
        else if (!strcmp(name, "URAM"))
            k = 4;
        if (k < 0 || seen[k])
            continue; /* the first table holds the totals */
        seen[k] = 1;
        double *dst[5] = {&x.lut, &x.ff, &x.dsp, &x.bram18, &x.uram};
        *dst[k] = k == 3 ? 2 * v : v; /* a 36 Kb tile is two 18 Kb blocks */
    }
    if (!seen[0] || !seen[1])
        return ff_errf(e, FF_EINPUT,
                       "report: %s: no 'Slice LUTs'/'CLB LUTs' and 'Slice Registers'/'CLB Registers' rows "
                       "(not a Vivado report_utilization report)",
                       path);
    r->vivado = x;
    r->has_vivado = 1;
    snprintf(r->vivado_path, sizeof r->vivado_path, "%s", path);
    return FF_OK;
}

typedef struct {
    char **v;
    int n;
} list;

static void find(const char *dir, int depth, list *xml, list *util)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        size_t l = strlen(de->d_name);
        if (S_ISDIR(st.st_mode)) {
            if (depth < 8)
                find(p, depth + 1, xml, util);
        } else if (l >= 10 && !strcmp(de->d_name + l - 10, "csynth.xml")) {
            xml->v = ff_realloc(xml->v, (size_t)(xml->n + 1) * sizeof *xml->v);
            xml->v[xml->n++] = ff_strdup(p);
        } else if (l > 4 && !strcmp(de->d_name + l - 4, ".rpt") && strstr(de->d_name, "util")) {
            util->v = ff_realloc(util->v, (size_t)(util->n + 1) * sizeof *util->v);
            util->v[util->n++] = ff_strdup(p);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_free(list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* A top-level report: "<TopModelName>_csynth.xml" or "csynth.xml". */
static int is_top_report(const char *path, const char *design)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strcmp(base, "csynth.xml"))
        return 1;
    size_t l = strlen(design);
    return !strncmp(base, design, l) && !strcmp(base + l, "_csynth.xml");
}

int ff_report_load(const char *path, const char *top, ff_report *r, ff_err *e)
{
    memset(r, 0, sizeof *r);
    struct stat st;
    if (stat(path, &st) != 0)
        return ff_errf(e, FF_EINPUT, "report: %s: no such file or directory", path);
    if (!S_ISDIR(st.st_mode))
        return ff_report_csynth(path, r, e);
    list xml = {0}, util = {0};
    find(path, 0, &xml, &util);
    qsort(xml.v, (size_t)xml.n, sizeof *xml.v, cmp_str);
    qsort(util.v, (size_t)util.n, sizeof *util.v, cmp_str);
    int rc = FF_OK, found = 0;
    char designs[512] = "";
    for (int i = 0; i < xml.n && !rc; i++) {
        ff_report c = {0};
        ff_err ce = {0};
        if (ff_report_csynth(xml.v[i], &c, &ce)) {
            rc = ff_errf(e, ce.code, "%s", ce.msg);
            break;
        }
        if (!is_top_report(xml.v[i], c.design) || (top && strcmp(c.design, top)))
            continue;
        if (!found) {
            *r = c; /* the first top-level report of the design (csynth.xml and <top>_csynth.xml agree) */
            snprintf(designs, sizeof designs, "%s", c.design);
            found = 1;
        } else if (strcmp(c.design, r->design) && !strstr(designs, c.design)) {
            snprintf(designs + strlen(designs), sizeof designs - strlen(designs), ", %s", c.design);
            found++;
        }
    }
    if (!rc && !found)
        rc = ff_errf(e, FF_EINPUT,
                     top ? "report: no Vitis HLS report for top '%s' under %s (run build_prj.tcl with csynth=1)"
                         : "report: no Vitis HLS report (<top>_csynth.xml)%s under %s (run build_prj.tcl with csynth=1)",
                     top ? top : "", path);
    if (!rc && found > 1)
        rc = ff_errf(e, FF_EINPUT, "report: %s holds reports of several designs (%s): choose one with --top", path,
                     designs);
    /* Vivado utilization: the one naming the design, routed before placed before synthesized */
    int best = -1, best_score = -1;
    for (int i = 0; !rc && i < util.n; i++) {
        const char *base = strrchr(util.v[i], '/') + 1;
        int score = (strstr(util.v[i], r->design) ? 8 : 0) + (strstr(base, "route") ? 4 : strstr(base, "place") ? 2 : 1);
        if (score > best_score)
            best = i, best_score = score;
    }
    if (!rc && best >= 0)
        rc = ff_report_vivado(util.v[best], r, e);
    list_free(&xml);
    list_free(&util);
    return rc;
}

static void add_res(cJSON *o, const char *name, const ff_res *x)
{
    cJSON *t = cJSON_AddObjectToObject(o, name);
    cJSON_AddNumberToObject(t, "lut", x->lut);
    cJSON_AddNumberToObject(t, "ff", x->ff);
    cJSON_AddNumberToObject(t, "dsp", x->dsp);
    cJSON_AddNumberToObject(t, "bram18", x->bram18);
    cJSON_AddNumberToObject(t, "uram", x->uram);
}

static void add_cycles(cJSON *o, const char *name, int64_t v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, (double)v);
}

char *ff_report_json(const ff_report *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "design", r->design);
    cJSON_AddStringToObject(o, "source", r->has_vivado ? "vivado" : "vitis_hls");
    cJSON_AddStringToObject(o, "tool", r->tool);
    cJSON_AddStringToObject(o, "part", r->part);
    add_res(o, "total", r->has_vivado ? &r->vivado : &r->csynth);
    add_cycles(o, "latency_cycles", r->lat_worst);
    add_cycles(o, "latency_best_cycles", r->lat_best);
    add_cycles(o, "latency_worst_cycles", r->lat_worst);
    add_cycles(o, "ii", r->ii_min);
    add_cycles(o, "ii_max", r->ii_max);
    if (r->clock_target_ns > 0)
        cJSON_AddNumberToObject(o, "clock_ns", r->clock_target_ns);
    else
        cJSON_AddNullToObject(o, "clock_ns");
    if (r->clock_est_ns > 0)
        cJSON_AddNumberToObject(o, "clock_estimated_ns", r->clock_est_ns);
    else
        cJSON_AddNullToObject(o, "clock_estimated_ns");
    double clk = r->clock_est_ns > r->clock_target_ns ? r->clock_est_ns : r->clock_target_ns;
    if (r->lat_worst >= 0 && clk > 0)
        cJSON_AddNumberToObject(o, "latency_ns", (double)r->lat_worst * clk);
    else
        cJSON_AddNullToObject(o, "latency_ns");
    add_res(o, "csynth", &r->csynth);
    if (r->has_vivado)
        add_res(o, "vivado", &r->vivado);
    if (r->has_avail) {
        add_res(o, "available", &r->avail);
        const ff_res *t = r->has_vivado ? &r->vivado : &r->csynth;
        cJSON *u = cJSON_AddObjectToObject(o, "utilization");
        const double used[5] = {t->lut, t->ff, t->dsp, t->bram18, t->uram};
        const double cap[5] = {r->avail.lut, r->avail.ff, r->avail.dsp, r->avail.bram18, r->avail.uram};
        static const char *const names[5] = {"lut", "ff", "dsp", "bram18", "uram"};
        for (int i = 0; i < 5; i++)
            if (cap[i] > 0)
                cJSON_AddNumberToObject(u, names[i], used[i] / cap[i]);
    }
    cJSON *rep = cJSON_AddObjectToObject(o, "reports");
    cJSON_AddStringToObject(rep, "csynth", r->csynth_path);
    if (r->has_vivado)
        cJSON_AddStringToObject(rep, "vivado", r->vivado_path);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}
