/* `fogforge net`: the emulated network of `fogforge eval`, held up for
 * processes started by someone else (the demo, a user's own fleet).
 *
 *   fogforge net [--edge-rtt MS] [--edge-jitter MS] [--edge-loss P]
 *                [--cloud-rtt MS] [--cloud-jitter MS] [--cloud-loss P] [--cloud-trace FILE]
 *
 * Needs root. Creates the namespaces ffev<pid>-{sw,dev,edge,cloud} and the
 * links (tc netem when the kernel has it, else the userspace link
 * emulator), prints one line per namespace ("ns ROLE NAME IP") and then
 * "ready", and holds them until SIGINT/SIGTERM, when it stops every
 * process left in them and removes them. Start processes inside with
 * `ip netns exec NAME ...`: a broker and robots in dev, edge nodes in edge,
 * the cloud node in cloud. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eval.h"
#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_opts.h"

int ff_cmd_net(int argc, char **argv)
{
    double edge_rtt = 2, edge_jitter = 0.5, edge_loss = 0, cloud_rtt = 30, cloud_jitter = 10, cloud_loss = 0.01;
    char trace[512] = "";
    const ff_fog_opt opts[] = {
        {"edge-rtt", FF_FOG_OPT_DOUBLE, &edge_rtt, 0, 0, 10000, "MS", "round trip of the dev-edge link (default 2)"},
        {"edge-jitter", FF_FOG_OPT_DOUBLE, &edge_jitter, 0, 0, 10000, "MS", "jitter of its round trip (default 0.5)"},
        {"edge-loss", FF_FOG_OPT_DOUBLE, &edge_loss, 0, 0, 0.5, "P", "frame loss probability per direction (default 0)"},
        {"cloud-rtt", FF_FOG_OPT_DOUBLE, &cloud_rtt, 0, 0, 10000, "MS", "round trip of the dev-cloud link (default 30)"},
        {"cloud-jitter", FF_FOG_OPT_DOUBLE, &cloud_jitter, 0, 0, 10000, "MS", "jitter of its round trip (default 10)"},
        {"cloud-loss", FF_FOG_OPT_DOUBLE, &cloud_loss, 0, 0, 0.5, "P", "frame loss probability per direction (default 0.01)"},
        {"cloud-trace", FF_FOG_OPT_STR, trace, sizeof trace, 0, 0, "FILE",
         "replay the cloud round trip from FILE (lines 't_s rtt_ms')"},
    };
    char err[FF_FOG_ERRLEN];
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), argc, argv, "net",
                               "[--edge-rtt MS] [--cloud-rtt MS --cloud-jitter MS --cloud-loss P] [--cloud-trace FILE]", err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (geteuid() != 0) return ff_daemon_fail(FF_FOG_EINPUT, "net: network namespaces need root");
    if (trace[0] && access(trace, R_OK)) {
        snprintf(err, sizeof err, "net: cannot read the trace: %.200s", trace);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_eval_scn s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "net");
    snprintf(s.dir, sizeof s.dir, ".");
    s.namespaces = 1;
    s.edge_link = (ff_linkem_link){edge_rtt, edge_jitter, edge_loss, NULL};
    s.cloud_link = (ff_linkem_link){cloud_rtt, cloud_jitter, cloud_loss, NULL};
    snprintf(s.cloud_trace, sizeof s.cloud_trace, "%s", trace);
    ff_daemon_signals_install();
    ff_eval_net_reap_stale();
    ff_eval_net net;
    if ((rc = ff_eval_net_up(&net, &s, err))) {
        ff_eval_net_down(&net);
        ff_daemon_signals_restore();
        return ff_daemon_fail(rc, err);
    }
    printf("shaper %s\n", net.netem ? "netem" : "linkem");
    printf("ns dev %s-dev %s\n", net.prefix, FF_EVAL_IP_DEV);
    printf("ns edge %s-edge %s\n", net.prefix, FF_EVAL_IP_EDGE);
    printf("ns cloud %s-cloud %s\n", net.prefix, FF_EVAL_IP_CLOUD);
    printf("ready\n");
    fflush(stdout);
    while (!ff_daemon_stop) pause();
    ff_eval_net_down(&net);
    ff_daemon_signals_restore();
    return 0;
}
