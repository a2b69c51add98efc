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
#endif
