/* The emulated network of `fogforge eval`: four network namespaces (dev:
 * broker + robots, edge, cloud, and sw running the link emulator) joined by
 * veth pairs to one 10.203.0.0/24 segment through the emulator's switch. The
 * edge link's round trip is what a robot sees to an edge node (through the
 * broker), the cloud link's what it sees to the cloud; edge->cloud crosses
 * both. Uses kernel netem when the kernel has it, fogforge's userspace
 * emulator (fog/linkem*.c) otherwise. Everything is named <prefix>-<role>,
 * prefix "ffev<pid>", so leftovers of a crashed run are found and removed. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval.h"
#include "fog_log.h"

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd - 40, fmt, ap);
    va_end(ap);
    strcat(cmd, " >/dev/null 2>&1");
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int ff_eval_setns(const char *nspath)
{
    if (!nspath) return 0;
    int fd = open(nspath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = setns(fd, CLONE_NEWNET);
    close(fd);
    return rc;
}

const char *ff_eval_net_ns(const ff_eval_net *n, const char *role, char *buf, size_t cap)
{
    if (!n || !n->up) return NULL;
    snprintf(buf, cap, "/run/netns/%s-%s", n->prefix, role);
    return buf;
}

static void kill_ns_procs(const char *ns)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ip netns pids %s 2>/dev/null", ns);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    long pid;
    while (fscanf(p, "%ld", &pid) == 1)
        if (pid > 1 && pid != (long)getpid()) kill((pid_t)pid, SIGKILL);
    pclose(p);
}

int ff_eval_net_reap_stale(void)
{
    DIR *d = opendir("/run/netns");
    if (!d) return 0;
    struct dirent *e;
    int n = 0;
    char names[64][64];
    while ((e = readdir(d)) && n < 64) {
        if (strncmp(e->d_name, FF_EVAL_NS_PREFIX, strlen(FF_EVAL_NS_PREFIX)) != 0) continue;
        long pid = strtol(e->d_name + strlen(FF_EVAL_NS_PREFIX), NULL, 10);
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue; /* its run is alive */
        snprintf(names[n++], sizeof names[0], "%.60s", e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        kill_ns_procs(names[i]);
        sh("ip netns del %s", names[i]);
        ff_fog_log(FF_FOG_LOG_WARN, "eval", "stale_netns_removed", "ns=%s", names[i]);
    }
    return n;
}

static volatile sig_atomic_t linkem_stop;
static void on_term(int sig)
{
    (void)sig;
    linkem_stop = 1;
}

static const char *const roles[] = {"sw", "dev", "edge", "cloud"};
static const char *const ips[] = {NULL, FF_EVAL_IP_DEV, FF_EVAL_IP_EDGE, FF_EVAL_IP_CLOUD};

static int netem_apply(const char *ns, const char *dev, const ff_linkem_link *l)
{
    return sh("tc -n %s qdisc replace dev %s root netem limit 10000 delay %.3fms %.3fms loss %.4f%%", ns, dev, l->rtt_ms / 2,
              l->jitter_ms / 2, l->loss * 100);
}

int ff_eval_net_up(ff_eval_net *n, ff_eval_scn *s, char *err)
{
    memset(n, 0, sizeof *n);
    n->linkem_pid = -1;
    if (geteuid() != 0) return ff_fog_fail(err, FF_FOG_ESYS, "network namespaces need root");
    snprintf(n->prefix, sizeof n->prefix, "%s%d", FF_EVAL_NS_PREFIX, (int)getpid());
    n->up = 1; /* from here on, ff_eval_net_down() removes whatever exists */
    char ns[4][48];
    for (int i = 0; i < 4; i++) {
        snprintf(ns[i], sizeof ns[i], "%s-%s", n->prefix, roles[i]);
        if (sh("ip netns add %s", ns[i])) return ff_fog_fail(err, FF_FOG_ESYS, "ip netns add failed: %s", ns[i]);
        if (sh("ip -n %s link set lo up", ns[i])) return ff_fog_fail(err, FF_FOG_ESYS, "lo up failed: %s", ns[i]);
    }
    for (int i = 1; i < 4; i++) {
        if (sh("ip -n %s link add p%d type veth peer name eth0 netns %s", ns[0], i, ns[i]) ||
            sh("ip -n %s link set p%d up", ns[0], i) || sh("ip -n %s addr add %s/24 dev eth0", ns[i], ips[i]) ||
            sh("ip -n %s link set eth0 up", ns[i]))
            return ff_fog_fail(err, FF_FOG_ESYS, "veth setup failed: %s", ns[i]);
    }
    int has_trace = s->edge_trace[0] || s->cloud_trace[0];
    if (!sh("tc -n %s qdisc add dev eth0 root netem delay 1ms", ns[1])) {
        sh("tc -n %s qdisc del dev eth0 root", ns[1]);
        n->netem = !has_trace; /* netem cannot replay a trace: the emulator does */
    }
    char path[1100];
    int rc;
    if (s->edge_trace[0]) {
        snprintf(path, sizeof path, "%s/%s", s->edge_trace[0] == '/' ? "" : s->dir, s->edge_trace);
        if ((rc = ff_linkem_trace_load(path, &n->edge_trace, err))) return rc;
        s->edge_link.trace = &n->edge_trace;
    }
    if (s->cloud_trace[0]) {
        snprintf(path, sizeof path, "%s/%s", s->cloud_trace[0] == '/' ? "" : s->dir, s->cloud_trace);
        if ((rc = ff_linkem_trace_load(path, &n->cloud_trace, err))) return rc;
        s->cloud_link.trace = &n->cloud_trace;
    }
    ff_linkem_port ports[3];
    memset(ports, 0, sizeof ports);
    for (int i = 0; i < 3; i++) snprintf(ports[i].ifname, sizeof ports[i].ifname, "p%d", i + 1);
    if (n->netem) {
        /* half of each link on the node's egress, half on the switch's */
        if (netem_apply(ns[2], "eth0", &s->edge_link) || netem_apply(ns[0], "p2", &s->edge_link) ||
            netem_apply(ns[3], "eth0", &s->cloud_link) || netem_apply(ns[0], "p3", &s->cloud_link))
            return ff_fog_fail(err, FF_FOG_ESYS, "tc netem failed");
    } else {
        ports[1].link = s->edge_link;
        ports[2].link = s->cloud_link;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return ff_fog_fail(err, FF_FOG_ESYS, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        char p[128], e2[FF_FOG_ERRLEN];
        snprintf(p, sizeof p, "/run/netns/%s", ns[0]);
        if (ff_eval_setns(p)) _exit(3);
        /* the emulator stands for wires: real-time priority keeps other
         * work on this machine out of the emulated delay (it sleeps in
         * ppoll between frames); plain high priority when refused */
        struct sched_param sp = {.sched_priority = 10};
        if (sched_setscheduler(0, SCHED_FIFO, &sp)) setpriority(PRIO_PROCESS, 0, -10);
        ff_linkem_stats st;
        int r = ff_linkem_run(ports, 3, 0x5eed, &linkem_stop, &st, e2);
        if (r) fprintf(stderr, "fogforge: link emulator: %s\n", e2);
        else
            ff_fog_log(FF_FOG_LOG_INFO, "linkem", "stopped", "frames=%llu dropped=%llu overflow=%llu",
                       (unsigned long long)st.frames, (unsigned long long)st.dropped, (unsigned long long)st.overflow);
        _exit(r ? 1 : 0);
    }
    n->linkem_pid = pid;
    usleep(200000);
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
        n->linkem_pid = -1;
        return ff_fog_fail(err, FF_FOG_ESYS, "link emulator exited at start");
    }
    return FF_FOG_OK;
}

void ff_eval_net_down(ff_eval_net *n)
{
    if (n->linkem_pid > 0) {
        kill(n->linkem_pid, SIGTERM);
        int st;
        for (int i = 0; i < 40 && waitpid(n->linkem_pid, &st, WNOHANG) == 0; i++) usleep(50000);
        if (kill(n->linkem_pid, 0) == 0) {
            kill(n->linkem_pid, SIGKILL);
            waitpid(n->linkem_pid, &st, 0);
        }
        n->linkem_pid = -1;
    }
    if (n->up)
        for (int i = 0; i < 4; i++) {
            char ns[64];
            snprintf(ns, sizeof ns, "%s-%s", n->prefix, roles[i]);
            kill_ns_procs(ns);
            sh("ip netns del %s", ns);
        }
    n->up = 0;
    ff_linkem_trace_free(&n->edge_trace);
    ff_linkem_trace_free(&n->cloud_trace);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double ff_eval_net_probe(const ff_eval_net *n, const char *role, const char *ip, int count)
{
    char p1[128], p2[128];
    if (!n->up || count < 1 || count > 1000) return -1;
    int pfd[2];
    if (pipe(pfd)) return -1;
    fflush(NULL);
    pid_t echo = fork();
    if (echo == 0) { /* UDP echo in the target namespace for ~count*0.2+3 s */
        close(pfd[0]);
        close(pfd[1]);
        if (ff_eval_setns(ff_eval_net_ns(n, role, p1, sizeof p1))) _exit(3);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7077)};
        inet_pton(AF_INET, ip, &a.sin_addr);
        if (bind(s, (struct sockaddr *)&a, sizeof a)) _exit(3);
        struct pollfd pf = {s, POLLIN, 0};
        char b[64];
        while (poll(&pf, 1, 3000) > 0) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t k = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
            if (k > 0) sendto(s, b, (size_t)k, 0, (struct sockaddr *)&from, fl);
        }
        _exit(0);
    }
    pid_t prober = fork();
    if (prober == 0) {
        close(pfd[0]);
        double med = -1;
        if (ff_eval_setns(ff_eval_net_ns(n, "dev", p2, sizeof p2)) == 0) {
            usleep(200000);
            int s = socket(AF_INET, SOCK_DGRAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7077)};
            inet_pton(AF_INET, ip, &a.sin_addr);
            double v[1000];
            int got = 0;
            for (int i = 0; i < count; i++) {
                uint64_t t0 = ff_fog_mono_ns();
                uint32_t seq = (uint32_t)i;
                sendto(s, &seq, sizeof seq, 0, (struct sockaddr *)&a, sizeof a);
                struct pollfd pf = {s, POLLIN, 0};
                while (poll(&pf, 1, 1000) > 0) {
                    uint32_t r;
                    if (recv(s, &r, sizeof r, 0) == sizeof r && r == seq) {
                        v[got++] = (double)(ff_fog_mono_ns() - t0) / 1e6;
                        break;
                    }
                }
                usleep(20000);
            }
            if (got) {
                qsort(v, (size_t)got, sizeof v[0], cmp_d);
                med = v[got / 2];
            }
        }
        if (write(pfd[1], &med, sizeof med) != sizeof med) _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    double med = -1;
    if (prober > 0 && read(pfd[0], &med, sizeof med) != sizeof med) med = -1;
    close(pfd[0]);
    int st;
    if (prober > 0) waitpid(prober, &st, 0);
    if (echo > 0) {
        kill(echo, SIGTERM);
        waitpid(echo, &st, 0);
    }
    return med;
}
