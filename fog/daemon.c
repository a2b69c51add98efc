/* Signal handling and exit-code mapping for the fog daemons. */
#include "fog_daemon.h"

#include <stdio.h>
#include <string.h>

#include "fog_err.h"

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
