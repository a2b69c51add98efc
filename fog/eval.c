/* `fogforge eval SCENARIO.json [--policies p1,p2,...] [--json]`: for each
 * policy, starts a fresh fleet (mosquitto, one cloud node, the edge nodes,
 * the robots) through fogforge's own CLI, applies the scenario's load and
 * failures, collects every robot's summary and per-task latencies, tears it
 * all down by PID, and prints one comparison table. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <unistd.h>

#include "common.h"
#include "eval.h"
#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_log.h"
#include "fog_msg.h"
#include "fog_opts.h"
#include "fog_sched.h"

#define MAXP 96

struct procs {
    pid_t pid[MAXP];
    int n;
};

typedef struct result {
    int policy;
    unsigned long long sent, completed, lost, missed;
    unsigned long long tier[FF_TIER_COUNT];
    double p50, p99, max, tput;
    double load1;             /* 1-minute load average of the machine at the end of the run */
    int robots_ok;
} result;

static char self_exe[512];

static pid_t spawn(struct procs *ps, const char *ns, const char *out, const char *errf, char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        /* the fleet stands for separate machines: ahead of unrelated work
         * on this one where allowed (root), the same for every policy */
        if (setpriority(PRIO_PROCESS, 0, -5)) { /* not permitted: run as is */ }
        if (ff_eval_setns(ns)) _exit(126);
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int fe = open(errf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fo >= 0) dup2(fo, 1);
        if (fe >= 0) dup2(fe, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    if (ps && ps->n < MAXP) ps->pid[ps->n++] = pid;
    return pid;
}

static void stop_all(struct procs *ps)
{
    for (int i = 0; i < ps->n; i++)
        if (ps->pid[i] > 0) kill(ps->pid[i], SIGTERM);
    for (int i = 0; i < ps->n; i++) {
        if (ps->pid[i] <= 0) continue;
        int st, k = 0;
        while (waitpid(ps->pid[i], &st, WNOHANG) == 0 && k++ < 60) usleep(50000);
        if (k > 60) {
            kill(ps->pid[i], SIGKILL);
            waitpid(ps->pid[i], &st, 0);
        }
        ps->pid[i] = -1;
    }
    ps->n = 0;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    int port = -1;
    if (s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof a) && !getsockname(s, (struct sockaddr *)&a, &l))
        port = ntohs(a.sin_port);
    if (s >= 0) close(s);
    return port;
}

static double now_s(void) { return (double)ff_fog_mono_ns() / 1e9; }

#define ARG(...) snprintf(a[na] = abuf[na], sizeof abuf[0], __VA_ARGS__), na++

/* One fleet run under policy; fills r. Returns FF_FOG_OK, or an error when
 * interrupted or a daemon cannot start. */
static int run_policy(const ff_eval_scn *s, const ff_eval_net *net, int policy, const char *dir, result *r, char *err)
{
    memset(r, 0, sizeof *r);
    r->policy = policy;
    struct procs ps = {{0}, 0}, robots = {{0}, 0};
    char nsb[3][128];
    const char *ns_dev = ff_eval_net_ns(net, "dev", nsb[0], sizeof nsb[0]);
    const char *ns_edge = ff_eval_net_ns(net, "edge", nsb[1], sizeof nsb[1]);
    const char *ns_cloud = ff_eval_net_ns(net, "cloud", nsb[2], sizeof nsb[2]);
    const char *ip_dev = net->up ? FF_EVAL_IP_DEV : "127.0.0.1", *ip_cloud = net->up ? FF_EVAL_IP_CLOUD : "127.0.0.1";
    int bport = net->up ? 1883 : free_port(), cport = net->up ? 5555 : free_port();
    if (bport < 0 || cport < 0) return ff_fog_fail(err, FF_FOG_ESYS, "no free port");
    char broker[64], cloud[64], path[1024], out[1024], logf[1024];
    snprintf(broker, sizeof broker, "tcp://%s:%d", ip_dev, bport);
    snprintf(cloud, sizeof cloud, "tcp://%s:%d", ip_cloud, cport);
    const char *pname = ff_sched_policy_name(policy);
    snprintf(logf, sizeof logf, "%s/%s.log", dir, pname);
    /* broker */
    snprintf(path, sizeof path, "%s/mosquitto-%s.conf", dir, pname);
    FILE *f = fopen(path, "w");
    if (!f) return ff_fog_fail(err, FF_FOG_ESYS, "cannot write %s", path);
    fprintf(f, "listener %d %s\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\n"
               "max_queued_messages 100000\nmax_inflight_messages 0\n", bport, ip_dev);
    fclose(f);
    char *a[48], abuf[48][1100];
    int na = 0;
    ARG("/usr/sbin/mosquitto");
    ARG("-c");
    ARG("%s", path);
    a[na] = NULL;
    snprintf(out, sizeof out, "%s/mosquitto-%s.out", dir, pname);
    spawn(&ps, ns_dev, out, logf, a);
    usleep(300000);
    /* cloud */
    na = 0;
    ARG("%s", self_exe); ARG("cloud"); ARG("--bind"); ARG("%s", cloud); ARG("--id"); ARG("cloud-1");
    ARG("--workers"); ARG("%d", s->cloud_workers); ARG("--compute-us"); ARG("%d", s->cloud_compute_us);
    ARG("--log-level"); ARG("warn");
    a[na] = NULL;
    snprintf(out, sizeof out, "%s/cloud-%s.out", dir, pname);
    spawn(&ps, ns_cloud, out, logf, a);
    /* edges */
    pid_t edge_pid[8];
    char *ea[8][32], eb[8][32][600];
    int ena[8];
    for (int e = 0; e < s->edges; e++) {
        int n = 0;
#define EARG(...) snprintf(ea[e][n] = eb[e][n], sizeof eb[0][0], __VA_ARGS__), n++
        EARG("%s", self_exe); EARG("edge"); EARG("--broker"); EARG("%s", broker); EARG("--id"); EARG("edge-%d", e + 1);
        EARG("--workers"); EARG("%d", s->edge_workers); EARG("--compute-us"); EARG("%d", s->edge_compute_us);
        EARG("--cloud"); EARG("%s", cloud); EARG("--status-interval-ms"); EARG("200"); EARG("--log-level"); EARG("warn");
        ea[e][n] = NULL;
        ena[e] = n;
        snprintf(out, sizeof out, "%s/edge-%d-%s.out", dir, e + 1, pname);
        edge_pid[e] = spawn(&ps, ns_edge, out, logf, ea[e]);
    }
    (void)ena;
    usleep(1000000);
    /* robots */
    double t0 = now_s();
    for (int i = 0; i < s->robots; i++) {
        na = 0;
        ARG("%s", self_exe); ARG("robot"); ARG("--broker"); ARG("%s", broker); ARG("--cloud"); ARG("%s", cloud);
        ARG("--policy"); ARG("%s", pname); ARG("--rate"); ARG("%g", s->rate_hz); ARG("--deadline"); ARG("%g", s->deadline_ms);
        ARG("--count"); ARG("100000000"); ARG("--duration-s"); ARG("%g", s->duration_s);
        ARG("--id"); ARG("robot-%d", i + 1); ARG("--seed"); ARG("%d", i + 1);
        ARG("--compute-us"); ARG("%d", s->robot_compute_us); ARG("--stats-interval-ms"); ARG("0");
        ARG("--wait-ms"); ARG("5000"); ARG("--log-level"); ARG("warn");
        ARG("--latencies"); ARG("%s/lat-%s-%d.txt", dir, pname, i + 1);
        ARG("--tasks"); ARG("%s/tasks-%s-%d.txt", dir, pname, i + 1);
        if (s->bursts) {
            ARG("--burst-period-s"); ARG("%g", s->burst_period_s); ARG("--burst-duty"); ARG("%g", s->burst_duty);
            ARG("--burst-factor"); ARG("%g", s->burst_factor);
        }
        a[na] = NULL;
        snprintf(out, sizeof out, "%s/robot-%s-%d.json", dir, pname, i + 1);
        spawn(&robots, ns_dev, out, logf, a);
    }
    /* timeline: failures, then wait for the robots (bounded) */
    int killed[FF_EVAL_MAX_FAIL] = {0}, restarted[FF_EVAL_MAX_FAIL] = {0}, rc = FF_FOG_OK;
    double limit = s->duration_s + s->deadline_ms / 1000.0 + 15.0;
    int alive = robots.n;
    while (alive > 0) {
        double t = now_s() - t0;
        if (ff_daemon_stop) {
            rc = ff_fog_fail(err, FF_FOG_ESYS, "interrupted");
            break;
        }
        if (t > limit) {
            ff_fog_log(FF_FOG_LOG_WARN, "eval", "robots_timeout", "policy=%s after_s=%.1f", pname, t);
            break;
        }
        for (int k = 0; k < s->n_fail; k++) {
            const ff_eval_failure *x = &s->fail[k];
            if (!killed[k] && t >= x->kill_s) {
                killed[k] = 1;
                kill(edge_pid[x->edge], SIGKILL);
                ff_fog_log(FF_FOG_LOG_INFO, "eval", "edge_killed", "policy=%s edge=edge-%d t_s=%.2f", pname, x->edge + 1, t);
            }
            if (killed[k] && !restarted[k] && x->restart_s >= 0 && t >= x->restart_s) {
                restarted[k] = 1;
                snprintf(out, sizeof out, "%s/edge-%d-%s.restart.out", dir, x->edge + 1, pname);
                edge_pid[x->edge] = spawn(&ps, ns_edge, out, logf, ea[x->edge]);
                ff_fog_log(FF_FOG_LOG_INFO, "eval", "edge_restarted", "policy=%s edge=edge-%d t_s=%.2f", pname, x->edge + 1, t);
            }
        }
        for (int i = 0; i < robots.n; i++) {
            int st;
            if (robots.pid[i] > 0 && waitpid(robots.pid[i], &st, WNOHANG) == robots.pid[i]) {
                robots.pid[i] = -1;
                alive--;
                if (WIFEXITED(st) && WEXITSTATUS(st) == 0) r->robots_ok++;
            }
        }
        usleep(20000);
    }
    double wall = now_s() - t0;
    if (getloadavg(&r->load1, 1) != 1) r->load1 = -1;
    stop_all(&robots);
    stop_all(&ps);
    if (rc) return rc;
    /* aggregate */
    size_t cap = 1 << 16, n = 0;
    double *v = malloc(cap * sizeof *v);
    for (int i = 0; i < s->robots && v; i++) {
        snprintf(path, sizeof path, "%s/robot-%s-%d.json", dir, pname, i + 1);
        FILE *jf = fopen(path, "r");
        char buf[16384];
        size_t len = jf ? fread(buf, 1, sizeof buf - 1, jf) : 0;
        if (jf) fclose(jf);
        buf[len] = 0;
        cJSON *js = cJSON_Parse(buf);
        if (js) {
            const cJSON *x;
            if ((x = cJSON_GetObjectItem(js, "sent"))) r->sent += (unsigned long long)x->valuedouble;
            if ((x = cJSON_GetObjectItem(js, "completed"))) r->completed += (unsigned long long)x->valuedouble;
            if ((x = cJSON_GetObjectItem(js, "lost"))) r->lost += (unsigned long long)x->valuedouble;
            if ((x = cJSON_GetObjectItem(js, "deadline_misses"))) r->missed += (unsigned long long)x->valuedouble;
            if ((x = cJSON_GetObjectItem(js, "outstanding"))) r->lost += (unsigned long long)x->valuedouble;
            cJSON_Delete(js);
        } else {
            r->robots_ok--; /* no summary: counted as a failed robot */
        }
        snprintf(path, sizeof path, "%s/lat-%s-%d.txt", dir, pname, i + 1);
        FILE *lf = fopen(path, "r");
        double ms;
        int tier, miss;
        while (lf && fscanf(lf, "%lf %d %d", &ms, &tier, &miss) == 3) {
            if (n == cap) {
                double *nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv) break;
                v = nv;
                cap *= 2;
            }
            v[n++] = ms;
            if (tier >= 0 && tier < FF_TIER_COUNT) r->tier[tier]++;
        }
        if (lf) fclose(lf);
    }
    if (v) {
        ff_fog_sort_doubles(v, n);
        r->p50 = ff_fog_percentile(v, n, 0.5);
        r->p99 = ff_fog_percentile(v, n, 0.99);
        r->max = n ? v[n - 1] : 0;
    }
    free(v);
    (void)wall;
    r->tput = (double)r->completed / s->duration_s;
    return FF_FOG_OK;
}

static double share(const result *r, int t)
{
    unsigned long long tot = r->tier[0] + r->tier[1] + r->tier[2];
    return tot ? 100.0 * (double)r->tier[t] / (double)tot : 0;
}

static double miss_rate(const result *r) { return r->sent ? 100.0 * (double)r->missed / (double)r->sent : 0; }

int ff_cmd_eval(int argc, char **argv)
{
    char policies[256] = "local,edge,cloud,random,round-robin,greedy,fogforge", outdir[512] = "", loglevel[16] = "warn";
    int json = 0, keep = 0;
    const ff_fog_opt opts[] = {
        {"policies", FF_FOG_OPT_STR, policies, sizeof policies, 0, 0, "P1,P2", "policies to compare (default all seven)"},
        {"json", FF_FOG_OPT_FLAG, &json, 0, 0, 0, NULL, "print the results as one JSON object"},
        {"out", FF_FOG_OPT_STR, outdir, sizeof outdir, 0, 0, "DIR", "keep logs, summaries and latencies in DIR (default: a temp dir, removed)"},
        {"keep", FF_FOG_OPT_FLAG, &keep, 0, 0, 0, NULL, "keep the temp dir"},
        {"log-level", FF_FOG_OPT_STR, loglevel, sizeof loglevel, 0, 0, "L", "debug|info|warn|error|off (default warn)"},
    };
    char err[FF_FOG_ERRLEN];
    /* the scenario is the first non-option argument */
    const char *scn_path = NULL;
    int ac = 0;
    char *av[64];
    for (int i = 0; i < argc && ac < 63; i++) {
        if (i > 0 && argv[i][0] != '-' && !scn_path && !(argv[i - 1][0] == '-' && strcmp(argv[i - 1], "--json") &&
                                                          strcmp(argv[i - 1], "--keep") && !strchr(argv[i - 1], '=')))
            scn_path = argv[i];
        else av[ac++] = argv[i];
    }
    av[ac] = NULL;
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), ac, av, "eval",
                               "SCENARIO.json [--policies P1,P2,...] [--json] [--out DIR]", err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (!scn_path) return ff_daemon_fail(FF_FOG_EINPUT, "eval: missing SCENARIO.json");
    int lvl;
    if (ff_fog_log_parse_level(loglevel, &lvl)) return ff_daemon_fail(FF_FOG_EINPUT, "eval: bad log level");
    ff_fog_log_set_level(lvl);
    int pol[FF_POLICY_COUNT], np = 0;
    char pl[256];
    snprintf(pl, sizeof pl, "%s", policies);
    char *save = NULL;
    for (char *p = strtok_r(pl, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (np == FF_POLICY_COUNT || ff_sched_policy_parse(p, &pol[np])) {
            snprintf(err, sizeof err, "eval: unknown policy: %.64s", p);
            return ff_daemon_fail(FF_FOG_EINPUT, err);
        }
        np++;
    }
    if (!np) return ff_daemon_fail(FF_FOG_EINPUT, "eval: no policies");
    ff_eval_scn s;
    if ((rc = ff_eval_scn_load(scn_path, &s, err))) return ff_daemon_fail(rc, err);
    ssize_t k = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (k <= 0) return ff_daemon_fail(FF_FOG_ESYS, "eval: cannot find own executable");
    self_exe[k] = 0;
    if (s.namespaces && geteuid() != 0) {
        printf("scenario %s needs network namespaces and root; not root: skipped (run the loopback scenarios)\n", s.name);
        return 0;
    }
    char dir[512];
    int tmp = !outdir[0];
    if (tmp) {
        snprintf(dir, sizeof dir, "%s/fogforge-eval.XXXXXX", ff_tmp_dir());
        if (!mkdtemp(dir)) return ff_daemon_fail(FF_FOG_ESYS, "eval: cannot create a temp dir");
    } else {
        snprintf(dir, sizeof dir, "%s", outdir);
        mkdir(dir, 0755);
    }
    ff_daemon_signals_install();
    ff_eval_net net;
    memset(&net, 0, sizeof net);
    net.linkem_pid = -1;
    result res[FF_POLICY_COUNT];
    int done = 0;
    double probe_edge = -1, probe_cloud = -1;
    if (s.namespaces) {
        ff_eval_net_reap_stale();
        if ((rc = ff_eval_net_up(&net, &s, err))) goto out;
        probe_edge = ff_eval_net_probe(&net, "edge", FF_EVAL_IP_EDGE, 20);
        probe_cloud = ff_eval_net_probe(&net, "cloud", FF_EVAL_IP_CLOUD, 20);
    }
    for (int i = 0; i < np && !ff_daemon_stop; i++) {
        ff_fog_log(FF_FOG_LOG_INFO, "eval", "policy_start", "scenario=%s policy=%s", s.name, ff_sched_policy_name(pol[i]));
        if ((rc = run_policy(&s, &net, pol[i], dir, &res[i], err))) goto out;
        done++;
    }
out:
    ff_eval_net_down(&net);
    ff_daemon_signals_restore();
    if (tmp && !keep)
        ff_rm_tree(dir);
    if (rc) return ff_daemon_fail(rc, err);
    const char *net_desc = !s.namespaces ? "loopback (no link emulation)"
                           : net.netem ? "network namespaces, links shaped by tc netem"
                                       : "network namespaces, links shaped by fogforge's userspace link emulator (this kernel has no netem)";
    if (json) {
        printf("{\"scenario\":\"%s\",\"network\":\"%s\",\"probe_rtt_ms\":{\"edge\":%.3f,\"cloud\":%.3f},\"results\":[", s.name,
               net_desc, probe_edge, probe_cloud);
        for (int i = 0; i < done; i++) {
            const result *r = &res[i];
            printf("%s{\"policy\":\"%s\",\"sent\":%llu,\"completed\":%llu,\"missed\":%llu,\"miss_rate\":%.4f,"
                   "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"throughput\":%.1f,\"lost\":%llu,"
                   "\"share\":{\"local\":%.1f,\"edge\":%.1f,\"cloud\":%.1f},\"robots_ok\":%d,\"load1\":%.2f}",
                   i ? "," : "", ff_sched_policy_name(r->policy), r->sent, r->completed, r->missed, miss_rate(r) / 100, r->p50,
                   r->p99, r->max, r->tput, r->lost, share(r, 0), share(r, 1), share(r, 2), r->robots_ok, r->load1);
        }
        printf("]}\n");
        return 0;
    }
    printf("scenario: %s — %d robots x %g Hz, deadline %g ms, %g s, load %s, %d failure(s)\n", s.name, s.robots, s.rate_hz,
           s.deadline_ms, s.duration_s, s.bursts ? "bursts" : "steady", s.n_fail);
    printf("network: %s\n", net_desc);
    if (s.namespaces)
        printf("links: edge rtt %g ms ±%g loss %g%s (measured UDP median %.2f ms); cloud rtt %g ms ±%g loss %g%s (measured %.2f ms)\n",
               s.edge_link.rtt_ms, s.edge_link.jitter_ms, s.edge_link.loss * 100, s.edge_trace[0] ? " trace" : "", probe_edge,
               s.cloud_link.rtt_ms, s.cloud_link.jitter_ms, s.cloud_link.loss * 100, s.cloud_trace[0] ? " trace" : "",
               probe_cloud);
    printf("%-12s %7s %7s %7s %8s %8s %8s %8s %5s %6s %6s %6s %5s\n", "policy", "sent", "missed", "miss%", "p50_ms", "p99_ms",
           "max_ms", "tasks/s", "lost", "local%", "edge%", "cloud%", "load");
    for (int i = 0; i < done; i++) {
        const result *r = &res[i];
        printf("%-12s %7llu %7llu %7.2f %8.2f %8.2f %8.2f %8.1f %5llu %6.1f %6.1f %6.1f %5.1f\n", ff_sched_policy_name(r->policy),
               r->sent, r->missed, miss_rate(r), r->p50, r->p99, r->max, r->tput, r->lost, share(r, 0), share(r, 1),
               share(r, 2), r->load1);
    }
    return 0;
}
