/* Option handling shared by the fog daemons: one table describes each
 * option once; it is read from a JSON config file (keys = long option
 * names) and then from the command line (which wins), and prints --help. */
#ifndef FF_FOG_OPTS_H
#define FF_FOG_OPTS_H
#include <stddef.h>
#include <stdio.h>

enum ff_fog_opt_type { FF_FOG_OPT_STR, FF_FOG_OPT_INT, FF_FOG_OPT_DOUBLE, FF_FOG_OPT_FLAG };

typedef struct ff_fog_opt {
    const char *name;   /* long option and config key */
    int type;
    void *ptr;          /* char[cap], int, double or int (flag) */
    size_t cap;         /* for FF_FOG_OPT_STR */
    double min, max;    /* for numbers */
    const char *arg;    /* argument name in --help, NULL for flags */
    const char *help;
} ff_fog_opt;

/* Parses --config FILE (JSON object) then argv. Returns 0, 1 when --help
 * was asked (usage printed to stdout), or FF_FOG_EINPUT with err set to
 * "<what>: <where>". */
int ff_fog_opts_parse(const ff_fog_opt *opts, int n, int argc, char **argv, const char *cmd, const char *synopsis, char *err);
void ff_fog_opts_usage(FILE *f, const char *cmd, const char *synopsis, const ff_fog_opt *opts, int n);
#endif
