/* Starts a real mosquitto on a free 127.0.0.1 port for fog unit tests and
 * stops it by PID. */
#ifndef FF_TEST_FOG_BROKER_H
#define FF_TEST_FOG_BROKER_H
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct fog_broker {
    pid_t pid;
    int port;
    char conf[256];
    char uri[64];
} fog_broker;

static inline int fog_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &l)) {
        if (s >= 0) close(s);
        return -1;
    }
    close(s);
    return ntohs(a.sin_port);
}

static inline int fog_port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* Returns 0 when the broker accepts connections. */
static inline int fog_broker_start(fog_broker *b)
{
    memset(b, 0, sizeof *b);
    b->port = fog_free_port();
    if (b->port <= 0) return -1;
    snprintf(b->conf, sizeof b->conf, "/tmp/ff-mosq-%d-%d.conf", (int)getpid(), b->port);
    FILE *f = fopen(b->conf, "w");
    if (!f) return -1;
    fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\n", b->port);
    fclose(f);
    snprintf(b->uri, sizeof b->uri, "tcp://127.0.0.1:%d", b->port);
    b->pid = fork();
    if (b->pid < 0) return -1;
    if (b->pid == 0) {
        int dn = open("/dev/null", 1);
        if (dn >= 0) { dup2(dn, 1); dup2(dn, 2); }
        execl("/usr/sbin/mosquitto", "mosquitto", "-c", b->conf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        if (fog_port_open(b->port)) return 0;
        usleep(10000);
    }
    return -1;
}

static inline void fog_broker_stop(fog_broker *b)
{
    if (b->pid > 0) {
        kill(b->pid, SIGTERM);
        waitpid(b->pid, NULL, 0);
        b->pid = 0;
    }
    if (b->conf[0]) unlink(b->conf);
}
#endif
