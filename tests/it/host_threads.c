/* Concurrency check (built with -fsanitize=thread by tests/it/host_runtime.sh):
 * 8 threads share one bundle and one session per backend, each running
 * batches of varying size, and compare every output with a single-threaded
 * run. Exit 0 when all match; ThreadSanitizer reports races on stderr. */
#include "fogforge/fogforge.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NT = 8, NS = 64, ITERS = 40 };
static ff_session *sess;
static int32_t *x, *want;
static int64_t isz, osz;
static int bad;
static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg)
{
    int id = (int)(long)arg;
    int32_t *y = malloc(sizeof(int32_t) * (size_t)(NS * osz));
    unsigned seed = (unsigned)id * 7919u + 1;
    for (int it = 0; it < ITERS; it++) {
        seed = seed * 1103515245u + 12345u;
        int off = (int)((seed >> 8) % NS), n = 1 + (int)((seed >> 16) % (unsigned)(NS - off));
        ff_err e;
        int rc;
        if (it % 4 == 3) { /* the async path too */
            ff_ticket t;
            while ((rc = ff_session_submit_raw(sess, x + off * isz, y, n, &t, &e)) == FF_EFULL)
                ;
            if (!rc)
                rc = ff_session_poll(sess, t, -1, &e);
        } else {
            rc = ff_session_infer_raw(sess, x + off * isz, y, n, &e);
        }
        if (rc || memcmp(y, want + off * osz, sizeof(int32_t) * (size_t)(n * osz))) {
            pthread_mutex_lock(&lk);
            bad++;
            fprintf(stderr, "thread %d iteration %d: %s\n", id, it, rc ? e.msg : "outputs differ");
            pthread_mutex_unlock(&lk);
        }
    }
    free(y);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: host_threads BUNDLE BACKEND\n");
        return 2;
    }
    ff_err e;
    ff_bundle *b;
    ff_session *ref;
    if (ff_bundle_open(argv[1], &b, &e) || ff_session_open(b, "cpu", &(ff_session_opts){.threads = 1}, &ref, &e)) {
        fprintf(stderr, "host_threads: %s\n", e.msg);
        return 1;
    }
    ff_io_info ii, oi;
    ff_bundle_input(b, &ii);
    ff_bundle_output(b, &oi);
    isz = ii.size;
    osz = oi.size;
    x = malloc(sizeof(int32_t) * (size_t)(NS * isz));
    want = malloc(sizeof(int32_t) * (size_t)(NS * osz));
    for (int64_t i = 0; i < NS * isz; i++)
        x[i] = ii.qmin + (int32_t)((i * 2654435761u) % (uint32_t)(ii.qmax - ii.qmin + 1));
    if (ff_session_infer_raw(ref, x, want, NS, &e)) {
        fprintf(stderr, "host_threads: %s\n", e.msg);
        return 1;
    }
    ff_session_close(ref);
    if (ff_session_open(b, argv[2], &(ff_session_opts){.threads = 2, .queue_depth = 4}, &sess, &e)) {
        fprintf(stderr, "host_threads: %s\n", e.msg);
        return 1;
    }
    pthread_t th[NT];
    for (long i = 0; i < NT; i++)
        pthread_create(&th[i], NULL, run, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    ff_session_close(sess);
    ff_bundle_close(b);
    free(x);
    free(want);
    printf("%s: %d threads x %d batches on %s: %s\n", argv[1], NT, ITERS, argv[2], bad ? "MISMATCH" : "all correct");
    return bad ? 1 : 0;
}
