/* Process plumbing shared by the fog daemons: SIGINT/SIGTERM set a stop
 * flag (handlers restored on exit), and the error-to-exit-code mapping. */
#ifndef FF_FOG_DAEMON_H
#define FF_FOG_DAEMON_H
#include <signal.h>

extern volatile sig_atomic_t ff_daemon_stop;

void ff_daemon_signals_install(void);
void ff_daemon_signals_restore(void);
/* Prints "fogforge: <err>" and maps an ff_fog_rc to an exit code (2 input, 1 other). */
int ff_daemon_fail(int rc, const char *err);

struct ff_fog_node_cfg;
/* The executor of edge/cloud: with --bundles DIR (dir non-empty) bundles are
 * served through libfogforge (ff_exec_bundle_ops), by name as in the task
 * topic fogforge/v1/task/<name>; names (comma-separated, in/out) defaults to
 * every bundle in DIR. Without --bundles the built-in MLP serves names
 * (default jet-tagger). Sets nc->exec_ops and nc->bundle_dir. */
int ff_fog_select_bundles(struct ff_fog_node_cfg *nc, const char *dir, char *names, size_t cap, char *err);
/* The node configuration shared by edge and cloud: id, tier, workers, queue,
 * the executor (ff_fog_select_bundles, wrapped for --compute-us) and the
 * bundle list, split from names into blist (storage the caller keeps). */
int ff_fog_node_setup(struct ff_fog_node_cfg *nc, const char *id, int tier, int workers, int queue, int compute_us,
                      const char *dir, const char *backend, char *names, size_t cap, char *blist, size_t blist_cap,
                      char *err);
#endif
