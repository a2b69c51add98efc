/* Option table parsing for the fog daemons: JSON config file via cJSON,
 * then getopt_long over argv; strict (unknown keys and options are errors). */
#include "fog_opts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fog_err.h"

#define MAX_OPTS 64
#define MAX_CONFIG (1u << 20)

static int set_value(const ff_fog_opt *o, const char *s, const char *where, char *err)
{
    char *end;
    switch (o->type) {
    case FF_FOG_OPT_STR:
        if (strlen(s) >= o->cap) return ff_fog_fail(err, FF_FOG_EINPUT, "value too long for %s: %s", o->name, where);
        strcpy(o->ptr, s);
        return FF_FOG_OK;
    case FF_FOG_OPT_INT: {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < o->min || v > o->max)
            return ff_fog_fail(err, FF_FOG_EINPUT, "%s must be an integer in [%g, %g], got '%s': %s", o->name, o->min,
                               o->max, s, where);
        *(int *)o->ptr = (int)v;
        return FF_FOG_OK;
    }
    case FF_FOG_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v) || v < o->min || v > o->max)
            return ff_fog_fail(err, FF_FOG_EINPUT, "%s must be a number in [%g, %g], got '%s': %s", o->name, o->min,
                               o->max, s, where);
        *(double *)o->ptr = v;
        return FF_FOG_OK;
    }
    default: *(int *)o->ptr = 1; return FF_FOG_OK;
    }
}

static int load_config(const ff_fog_opt *opts, int n, const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ff_fog_fail(err, FF_FOG_EINPUT, "cannot open config: %s: %s", strerror(errno), path);
    char *buf = malloc(MAX_CONFIG + 1);
    size_t len = buf ? fread(buf, 1, MAX_CONFIG + 1, f) : 0;
    fclose(f);
    if (!buf) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory reading config: %s", path);
    if (len > MAX_CONFIG) {
        free(buf);
        return ff_fog_fail(err, FF_FOG_EINPUT, "config larger than 1 MiB: %s", path);
    }
    buf[len] = 0;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    free(buf);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return ff_fog_fail(err, FF_FOG_EINPUT, "config is not a JSON object: %s", path);
    }
    int rc = FF_FOG_OK;
    char where[512];
    for (cJSON *it = root->child; it && !rc; it = it->next) {
        const ff_fog_opt *o = NULL;
        for (int i = 0; i < n; i++)
            if (it->string && strcmp(opts[i].name, it->string) == 0) o = &opts[i];
        snprintf(where, sizeof where, "%s: key %s", path, it->string ? it->string : "?");
        if (!o) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "unknown config key: %s", where);
            break;
        }
        char tmp[64];
        if (o->type == FF_FOG_OPT_STR) {
            if (!cJSON_IsString(it)) rc = ff_fog_fail(err, FF_FOG_EINPUT, "config value must be a string: %s", where);
            else rc = set_value(o, it->valuestring, where, err);
        } else if (o->type == FF_FOG_OPT_FLAG) {
            if (!cJSON_IsBool(it)) rc = ff_fog_fail(err, FF_FOG_EINPUT, "config value must be true or false: %s", where);
            else *(int *)o->ptr = cJSON_IsTrue(it) ? 1 : 0;
        } else {
            if (!cJSON_IsNumber(it)) {
                rc = ff_fog_fail(err, FF_FOG_EINPUT, "config value must be a number: %s", where);
            } else {
                if (o->type == FF_FOG_OPT_INT && it->valuedouble != floor(it->valuedouble))
                    rc = ff_fog_fail(err, FF_FOG_EINPUT, "config value must be an integer: %s", where);
                else {
                    snprintf(tmp, sizeof tmp, o->type == FF_FOG_OPT_INT ? "%.0f" : "%.17g", it->valuedouble);
                    rc = set_value(o, tmp, where, err);
                }
            }
        }
    }
    cJSON_Delete(root);
    return rc;
}

void ff_fog_opts_usage(FILE *f, const char *cmd, const char *synopsis, const ff_fog_opt *opts, int n)
{
    fprintf(f, "usage: fogforge %s %s\n\noptions:\n", cmd, synopsis);
    for (int i = 0; i < n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-28s %s\n", left, opts[i].help);
    }
    fprintf(f, "  %-28s %s\n  %-28s %s\n", "--config FILE", "JSON object whose keys are the long option names",
            "--help", "show this help");
}

int ff_fog_opts_parse(const ff_fog_opt *opts, int n, int argc, char **argv, const char *cmd, const char *synopsis, char *err)
{
    struct option lo[MAX_OPTS + 3];
    if (n > MAX_OPTS) return ff_fog_fail(err, FF_FOG_EINPUT, "too many options: %s", cmd);
    for (int i = 0; i < n; i++) {
        lo[i].name = opts[i].name;
        lo[i].has_arg = opts[i].type == FF_FOG_OPT_FLAG ? no_argument : required_argument;
        lo[i].flag = NULL;
        lo[i].val = 1000 + i;
    }
    lo[n] = (struct option){"config", required_argument, NULL, 'c'};
    lo[n + 1] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 2] = (struct option){NULL, 0, NULL, 0};
    /* pass 1: --help and --config */
    const char *config = NULL;
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:hc:", lo, NULL)) != -1) {
        if (c == 'h') {
            ff_fog_opts_usage(stdout, cmd, synopsis, opts, n);
            return 1;
        }
        if (c == 'c') config = optarg;
        if (c == '?')
            return ff_fog_fail(err, FF_FOG_EINPUT, "unknown option: %s", optind > 0 && optind <= argc ? argv[optind - 1] : "?");
        if (c == ':')
            return ff_fog_fail(err, FF_FOG_EINPUT, "option needs a value: %s", optind > 0 && optind <= argc ? argv[optind - 1] : "?");
    }
    if (optind < argc) return ff_fog_fail(err, FF_FOG_EINPUT, "unexpected argument: %s", argv[optind]);
    if (config) {
        int rc = load_config(opts, n, config, err);
        if (rc) return rc;
    }
    /* pass 2: options override the config file */
    optind = 0;
    while ((c = getopt_long(argc, argv, "+:hc:", lo, NULL)) != -1) {
        if (c >= 1000 && c < 1000 + n) {
            char where[96];
            snprintf(where, sizeof where, "option --%s", opts[c - 1000].name);
            int rc = set_value(&opts[c - 1000], optarg ? optarg : "", where, err);
            if (rc) return rc;
        }
    }
    return 0;
}
