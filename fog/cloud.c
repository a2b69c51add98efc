/* `fogforge cloud`: the cloud tier. A ZeroMQ ROUTER takes encoded tasks from
 * edge nodes (or robots directly), a larger worker pool runs them, and the
 * results go back to the sending peer. Same admission, de-duplication,
 * expiry and rejection rules as an edge node (fog/node.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_log.h"
#include "fog_node.h"
#include "fog_opts.h"
#include "fog_zmq.h"
#include "fog_zmq_serve.h"

struct cloud {
    ff_zmq_serve *zs;
};

static void cloud_reply(void *user, const uint8_t *route, size_t rl, const uint8_t *buf, size_t len)
{
    struct cloud *c = user;
    if (c->zs) ff_zmq_serve_reply(c->zs, route, rl, buf, len);
}

static int cloud_input_waiting(void *user)
{
    struct cloud *c = user;
    return !c->zs || ff_zmq_serve_input_waiting(c->zs);
}

int ff_cmd_cloud(int argc, char **argv)
{
    char bind[256] = "", bundle_dir[512] = "", bundles[512] = "", backend[32] = "auto";
    char id[FF_MSG_MAX_ID + 1] = "", loglevel[16] = "info";
    int compute_us = 0, inline_us = 200;
    int workers = 4, queue = 1024, hwm = 1000;
    const ff_fog_opt opts[] = {
        {"bind", FF_FOG_OPT_STR, bind, sizeof bind, 0, 0, "tcp://HOST:PORT", "ZeroMQ endpoint to bind (required)"},
        {"bundles", FF_FOG_OPT_STR, bundle_dir, sizeof bundle_dir, 0, 0, "DIR", "serve DIR's bundles through libfogforge (default: the built-in MLP)"},
        {"bundle", FF_FOG_OPT_STR, bundles, sizeof bundles, 0, 0, "NAMES", "comma-separated bundles to serve (default: every bundle in DIR; jet-tagger without --bundles)"},
        {"backend", FF_FOG_OPT_STR, backend, sizeof backend, 0, 0, "B", "auto|cpu|opencl|verilator|xrt (default auto)"},
        {"compute-us", FF_FOG_OPT_INT, &compute_us, 0, 0, 60000000, "US", "emulated device speed: each inference takes at least US (default 0: as fast as it runs)"},
        {"inline-us", FF_FOG_OPT_INT, &inline_us, 0, 0, 1000000, "US", "run a task on the thread that received it when a worker is idle and the measured service time is at most US (default 200; 0: always hand to a worker)"},
        {"workers", FF_FOG_OPT_INT, &workers, 0, 1, 1024, "N", "worker threads (default 4)"},
        {"queue", FF_FOG_OPT_INT, &queue, 0, 1, 1000000, "N", "queue capacity before rejecting (default 1024)"},
        {"hwm", FF_FOG_OPT_INT, &hwm, 0, 1, 1000000, "N", "ZeroMQ high-water mark per peer (default 1000)"},
        {"id", FF_FOG_OPT_STR, id, sizeof id, 0, 0, "NODE", "node id (default cloud-<pid>)"},
        {"log-level", FF_FOG_OPT_STR, loglevel, sizeof loglevel, 0, 0, "L", "debug|info|warn|error|off (default info)"},
    };
    char err[FF_FOG_ERRLEN];
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), argc, argv, "cloud",
                           "--bind tcp://HOST:PORT [--bundles DIR] [--workers N]", err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (!bind[0]) return ff_daemon_fail(FF_FOG_EINPUT, "missing option: --bind tcp://HOST:PORT");
    int lvl;
    if (ff_fog_log_parse_level(loglevel, &lvl)) {
        snprintf(err, sizeof err, "bad log level: %s", loglevel);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_fog_log_set_level(lvl);
    if (!id[0]) snprintf(id, sizeof id, "cloud-%d", (int)getpid());

    struct cloud c;
    memset(&c, 0, sizeof c);
    int exit_code = 0;
    ff_fog_node *node = NULL;
    void *zctx = zmq_ctx_new();

    ff_fog_node_cfg nc;
    char blist[512];
    if ((rc = ff_fog_node_setup(&nc, id, FF_TIER_CLOUD, workers, queue, compute_us, bundle_dir, backend, bundles, sizeof bundles,
                                blist, sizeof blist, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    nc.inline_max_us = inline_us;
    nc.input_waiting = cloud_input_waiting;
    nc.reply = cloud_reply;
    nc.user = &c;
    if ((rc = ff_fog_node_open(&node, &nc, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    ff_zmq_cfg zc;
    ff_zmq_cfg_init(&zc);
    zc.hwm = hwm;
    if ((rc = ff_zmq_serve_open(&c.zs, zctx, bind, &zc, -1, id, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    ff_daemon_signals_install();
    ff_fog_node_log_execs(node);
    ff_fog_log(FF_FOG_LOG_INFO, id, "cloud_start", "bind=%s bundles=%s workers=%d queue=%d", ff_zmq_serve_endpoint(c.zs),
           bundles, workers, queue);
    while (!ff_daemon_stop) ff_zmq_serve_step(c.zs, node, 100);
    ff_fog_log(FF_FOG_LOG_INFO, id, "cloud_stopping", NULL);
    ff_fog_node_stats st;
    ff_fog_node_get_stats(node, &st);
    ff_fog_log(FF_FOG_LOG_INFO, id, "cloud_stop", "received=%llu executed=%llu inlined=%llu expired=%llu malformed=%llu "
               "duplicates=%llu rejected=%llu unknown_bundle=%llu bundle_mismatch=%llu errors=%llu",
               (unsigned long long)st.received, (unsigned long long)st.executed, (unsigned long long)st.inlined,
               (unsigned long long)st.expired, (unsigned long long)st.malformed, (unsigned long long)st.duplicates,
               (unsigned long long)st.rejected, (unsigned long long)st.unknown_bundle, (unsigned long long)st.bundle_mismatch,
               (unsigned long long)st.errors);
out:
    if (node) ff_fog_node_close(node, 1000); /* replies of drained tasks land in the outbox */
    if (c.zs) ff_zmq_serve_flush(c.zs);
    ff_zmq_serve_close(c.zs);
    zmq_ctx_term(zctx);
    ff_daemon_signals_restore();
    return exit_code;
}
