/* Packet I/O of the link emulator: one AF_PACKET socket per veth port (with
 * virtio-net headers, so GSO super-frames and partial checksums pass through
 * unchanged), MAC learning, and per egress port one FIFO per ingress port,
 * released at each frame's emulated time. A FIFO per (ingress, egress) pair
 * keeps each path in order without a slow link's frames holding up a fast
 * one's at a shared port (a cloud frame due in 15 ms must not delay an edge
 * frame due in 1 ms). Single-threaded, ppoll() with nanosecond timeouts. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linkem.h"

#define QCAP 1000u           /* frames queued per egress port (netem's default limit) */
#define FRAME_MAX (65536 + 64)
#define VNET_LEN 10          /* struct virtio_net_hdr */
#define MACS 64

struct frame {
    uint64_t at_ns;
    size_t len;
    uint8_t *buf;
};

struct fifo {
    struct frame q[QCAP];
    unsigned head, count;
    uint64_t last_ns;
};

struct port {
    int fd;
    struct fifo in[FF_LINKEM_MAX_PORTS]; /* by ingress port */
    unsigned count;                      /* frames queued here in all */
};

static int open_port(const char *ifname, int *fd_out, char *err)
{
    unsigned idx = if_nametoindex(ifname);
    if (!idx) return ff_fog_fail(err, FF_FOG_EINPUT, "no such interface: %s", ifname);
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return ff_fog_fail(err, FF_FOG_ESYS, "AF_PACKET socket: %s (needs root)", strerror(errno));
    int one = 1, big = 4 << 20;
    struct sockaddr_ll sa;
    memset(&sa, 0, sizeof sa);
    sa.sll_family = AF_PACKET;
    sa.sll_protocol = htons(ETH_P_ALL);
    sa.sll_ifindex = (int)idx;
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = (int)idx;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) ||
        setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
        int e = errno;
        close(fd);
        return ff_fog_fail(err, FF_FOG_ESYS, "AF_PACKET setup: %s: %s", strerror(e), ifname);
    }
#ifdef PACKET_IGNORE_OUTGOING
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    *fd_out = fd;
    return FF_FOG_OK;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ff_linkem_run(const ff_linkem_port *ports, int n, uint64_t seed, volatile sig_atomic_t *stop,
                  ff_linkem_stats *st, char *err)
{
    if (n < 2 || n > FF_LINKEM_MAX_PORTS) return ff_fog_fail(err, FF_FOG_EINPUT, "link emulator wants 2-%d ports", FF_LINKEM_MAX_PORTS);
    struct port *P = calloc((size_t)n, sizeof *P);
    uint8_t *rx = malloc(FRAME_MAX);
    if (!P || !rx) {
        free(P);
        free(rx);
        return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: link emulator");
    }
    int rc = FF_FOG_OK;
    for (int i = 0; i < n; i++) P[i].fd = -1;
    for (int i = 0; i < n && !rc; i++) rc = open_port(ports[i].ifname, &P[i].fd, err);
    uint8_t mac[MACS][6];
    int mac_port[MACS], n_mac = 0;
    uint64_t rng = seed ? seed : 1, t0 = now_ns();
    memset(st, 0, sizeof *st);
    struct pollfd pf[FF_LINKEM_MAX_PORTS];
    while (!rc && !*stop) {
        uint64_t now = now_ns(), next = now + 100000000ull;
        /* release what is due, earliest first across the ingress FIFOs */
        for (int i = 0; i < n; i++) {
            struct port *p = &P[i];
            for (;;) {
                struct fifo *best = NULL;
                for (int k = 0; k < n; k++) {
                    struct fifo *f = &p->in[k];
                    if (f->count && (!best || f->q[f->head].at_ns < best->q[best->head].at_ns)) best = f;
                }
                if (!best) break;
                struct frame *f = &best->q[best->head];
                if (f->at_ns > now) {
                    if (f->at_ns < next) next = f->at_ns;
                    break;
                }
                if (send(p->fd, f->buf, f->len, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS)
                    st->overflow++;
                free(f->buf);
                f->buf = NULL;
                best->head = (best->head + 1) % QCAP;
                best->count--;
                p->count--;
            }
            pf[i].fd = p->fd;
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        struct timespec to = {(time_t)((next - now) / 1000000000u), (long)((next - now) % 1000000000u)};
        int k = ppoll(pf, (nfds_t)n, &to, NULL);
        if (k < 0) {
            if (errno == EINTR) continue;
            rc = ff_fog_fail(err, FF_FOG_ESYS, "ppoll: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n && k > 0; i++) {
            if (!(pf[i].revents & POLLIN)) continue;
            for (int burst = 0; burst < 64; burst++) {
                struct sockaddr_ll from;
                socklen_t fl = sizeof from;
                ssize_t len = recvfrom(P[i].fd, rx, FRAME_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
                if (len < 0) break;
                if (from.sll_pkttype == PACKET_OUTGOING || len < VNET_LEN + 14) continue;
                uint64_t t = now_ns();
                st->frames++;
                const uint8_t *eth = rx + VNET_LEN;
                int m;
                for (m = 0; m < n_mac; m++)
                    if (!memcmp(mac[m], eth + 6, 6)) break;
                if (m == n_mac && n_mac < MACS) memcpy(mac[n_mac++], eth + 6, 6);
                if (m < MACS) mac_port[m] = i;
                int dst = -1;
                if (!(eth[0] & 1))
                    for (m = 0; m < n_mac; m++)
                        if (!memcmp(mac[m], eth, 6)) dst = mac_port[m];
                if (dst == i) continue;
                double ts = (double)(t - t0) / 1e9;
                for (int j = 0; j < n; j++) {
                    if (j == i || (dst >= 0 && j != dst)) continue;
                    if (ff_linkem_drops(&ports[i].link, &rng) || ff_linkem_drops(&ports[j].link, &rng)) {
                        st->dropped++;
                        continue;
                    }
                    struct port *q = &P[j];
                    struct fifo *fq = &q->in[i];
                    if (q->count == QCAP) {
                        st->overflow++;
                        continue;
                    }
                    double d = ff_linkem_oneway_us(&ports[i].link, ts, &rng) + ff_linkem_oneway_us(&ports[j].link, ts, &rng);
                    struct frame *f = &fq->q[(fq->head + fq->count) % QCAP];
                    f->buf = malloc((size_t)len);
                    if (!f->buf) {
                        st->overflow++;
                        continue;
                    }
                    memcpy(f->buf, rx, (size_t)len);
                    f->len = (size_t)len;
                    f->at_ns = ff_linkem_release_ns(t, d, &fq->last_ns);
                    fq->count++;
                    q->count++;
                }
            }
        }
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < n; k++) {
            struct fifo *f = &P[i].in[k];
            while (f->count) {
                free(f->q[f->head].buf);
                f->head = (f->head + 1) % QCAP;
                f->count--;
            }
        }
        if (P[i].fd >= 0) close(P[i].fd);
    }
    free(P);
    free(rx);
    return rc;
}
