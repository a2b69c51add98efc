/* Signal handling and exit-code mapping for the fog daemons. */
#include "fog_daemon.h"

#include <stdio.h>
#include <string.h>

#include "fog_err.h"
#include "fog_exec_bundle.h"
#include "fog_node.h"

volatile sig_atomic_t ff_daemon_stop;
static struct sigaction old_int, old_term;
static int installed;

static void on_signal(int sig)
{
    (void)sig;
    ff_daemon_stop = 1;
}

void ff_daemon_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ff_daemon_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);
    installed = 1;
}

void ff_daemon_signals_restore(void)
{
    if (!installed) return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    installed = 0;
}

int ff_daemon_fail(int rc, const char *err)
{
    fprintf(stderr, "fogforge: %s\n", err && err[0] ? err : "failed");
    return rc == FF_FOG_EINPUT ? 2 : 1;
}

int ff_fog_select_bundles(struct ff_fog_node_cfg *nc, const char *dir, char *names, size_t cap, char *err)
{
    if (!dir || !dir[0]) {
        nc->exec_ops = NULL; /* the built-in MLP */
        nc->bundle_dir = ".";
        if (!names[0]) snprintf(names, cap, "%s", FF_EXEC_MLP_BUNDLE);
        return FF_FOG_OK;
    }
    nc->exec_ops = &ff_exec_bundle_ops;
    nc->bundle_dir = dir;
    if (names[0]) return FF_FOG_OK;
    char found[FF_FOG_NODE_MAX_BUNDLES][64];
    int n = ff_exec_bundle_list(dir, found, FF_FOG_NODE_MAX_BUNDLES, err);
    if (n < 0) return FF_FOG_EINPUT;
    if (n == 0) return ff_fog_fail(err, FF_FOG_EINPUT, "no bundles in %s (directories with manifest.json, or .tar files)", dir);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(names + o, cap - o, "%s%s", i ? "," : "", found[i]);
        if (w < 0 || (size_t)w >= cap - o) return ff_fog_fail(err, FF_FOG_EINPUT, "too many bundle names in %s", dir);
        o += (size_t)w;
    }
    return FF_FOG_OK;
}

int ff_fog_node_setup(struct ff_fog_node_cfg *nc, const char *id, int tier, int workers, int queue, int compute_us,
                      const char *dir, const char *backend, char *names, size_t cap, char *blist, size_t blist_cap,
                      char *err)
{
    memset(nc, 0, sizeof *nc);
    snprintf(nc->node_id, sizeof nc->node_id, "%s", id);
    nc->tier = tier;
    nc->workers = workers;
    nc->queue_cap = queue;
    nc->backend = backend;
    int rc = ff_fog_select_bundles(nc, dir, names, cap, err);
    if (rc) return rc;
    /* emulated device speed wraps whichever executor serves */
    nc->exec_ops = ff_exec_emul_ops(nc->exec_ops, (uint64_t)compute_us);
    char *save = NULL;
    snprintf(blist, blist_cap, "%s", names);
    for (char *b = strtok_r(blist, ",", &save); b && nc->n_bundles < FF_FOG_NODE_MAX_BUNDLES; b = strtok_r(NULL, ",", &save))
        nc->bundles[nc->n_bundles++] = b;
    return FF_FOG_OK;
}
