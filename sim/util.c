/* Shared by sim and synth: reading an rtl project's manifest and running an
 * external tool with its output in a log file and progress on stderr. */
#include "sim.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double ff_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int ff_manifest_read(const char *dir, ff_manifest *m, ff_err *e)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *txt;
    size_t len;
    int rc = ff_read_file(path, 1 << 24, &txt, &len, e);
    if (rc)
        return ff_errf(e, FF_EINPUT, "%s: not an rtl project (no readable manifest.json; run fogforge gen --backend rtl)",
                       dir);
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    const cJSON *b = j ? cJSON_GetObjectItemCaseSensitive(j, "backend") : NULL;
    const cJSON *top = j ? cJSON_GetObjectItemCaseSensitive(j, "top") : NULL;
    const cJSON *lat = j ? cJSON_GetObjectItemCaseSensitive(j, "latency_cycles") : NULL;
    const cJSON *ii = j ? cJSON_GetObjectItemCaseSensitive(j, "ii") : NULL;
    const cJSON *clk = j ? cJSON_GetObjectItemCaseSensitive(j, "clock_ns") : NULL;
    const cJSON *files = j ? cJSON_GetObjectItemCaseSensitive(j, "rtl") : NULL;
    if (!j || !cJSON_IsString(b) || strcmp(b->valuestring, "rtl") || !cJSON_IsString(top) || !cJSON_IsNumber(lat) ||
        !cJSON_IsNumber(ii) || !cJSON_IsArray(files) || cJSON_GetArraySize(files) < 1) {
        cJSON_Delete(j);
        return ff_errf(e, FF_EINPUT, "%s: not an rtl manifest (backend, top, latency_cycles, ii, rtl expected)", path);
    }
    snprintf(m->top, sizeof m->top, "%s", top->valuestring);
    const cJSON *io = cJSON_GetObjectItemCaseSensitive(j, "io");
    const cJSON *mode = io ? cJSON_GetObjectItemCaseSensitive(io, "mode") : NULL;
    if (cJSON_IsString(mode) && !strcmp(mode->valuestring, "stream")) {
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(io, "input"), *out = cJSON_GetObjectItemCaseSensitive(io, "output");
        const cJSON *ib = in ? cJSON_GetObjectItemCaseSensitive(in, "beat_elements") : NULL;
        const cJSON *ibs = in ? cJSON_GetObjectItemCaseSensitive(in, "beats") : NULL;
        const cJSON *ob = out ? cJSON_GetObjectItemCaseSensitive(out, "beat_elements") : NULL;
        const cJSON *obs = out ? cJSON_GetObjectItemCaseSensitive(out, "beats") : NULL;
        if (!cJSON_IsNumber(ib) || !cJSON_IsNumber(ibs) || !cJSON_IsNumber(ob) || !cJSON_IsNumber(obs) ||
            ib->valuedouble < 1 || ibs->valuedouble < 1 || ob->valuedouble < 1 || obs->valuedouble < 1) {
            cJSON_Delete(j);
            return ff_errf(e, FF_EINPUT, "%s: io stream manifest without beat_elements/beats of input and output",
                           path);
        }
        m->stream = 1;
        m->in_beat = (long)ib->valuedouble;
        m->in_beats = (long)ibs->valuedouble;
        m->out_beat = (long)ob->valuedouble;
        m->out_beats = (long)obs->valuedouble;
    }
    const cJSON *ib = cJSON_GetObjectItemCaseSensitive(j, "ii_burst_samples");
    if (ib && (!cJSON_IsNumber(ib) || ib->valuedouble < 3 || ib->valuedouble > 65536)) {
        cJSON_Delete(j);
        return ff_errf(e, FF_EINPUT, "%s: ii_burst_samples must be a number of samples from 3 to 65536", path);
    }
    m->ii_burst = ib ? (long)ib->valuedouble : 0;
    m->latency = lat->valueint;
    m->ii = ii->valueint;
    m->clock_ns = cJSON_IsNumber(clk) ? clk->valuedouble : 5.0;
    m->nfiles = cJSON_GetArraySize(files);
    m->files = ff_calloc((size_t)m->nfiles, sizeof *m->files);
    for (int i = 0; i < m->nfiles; i++) {
        const cJSON *f = cJSON_GetArrayItem(files, i);
        if (!cJSON_IsString(f) || strstr(f->valuestring, "..") || f->valuestring[0] == '/') {
            cJSON_Delete(j);
            ff_manifest_free(m);
            return ff_errf(e, FF_EINPUT, "%s: bad rtl file entry %d", path, i);
        }
        m->files[i] = ff_strdup(f->valuestring);
    }
    cJSON_Delete(j);
    return FF_OK;
}

void ff_manifest_free(ff_manifest *m)
{
    for (int i = 0; i < m->nfiles; i++)
        free(m->files[i]);
    free(m->files);
    m->files = NULL;
    m->nfiles = 0;
}

int ff_run_logged(char *const argv[], const char *log, const char *what, int quiet)
{
    double t0 = ff_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int tty = !quiet && isatty(2), st = 0, last = -1;
    if (!quiet)
        fprintf(stderr, "fogforge: %s ...%s", what, tty ? "" : "\n");
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        int el = (int)(ff_now() - t0);
        if (tty && el != last) {
            fprintf(stderr, "\rfogforge: %s ... %ds", what, el);
            last = el;
        }
        usleep(100000);
    }
    if (!quiet)
        fprintf(stderr, "%sfogforge: %s: done in %.1f s\n", tty ? "\r\033[K" : "", what, ff_now() - t0);
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
    return 128;
}
