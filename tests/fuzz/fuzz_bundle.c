/* libFuzzer target: bundle archives (tar reader, manifest checks, checksums,
 * the embedded .ffq). The bytes go to a memfd opened by path, as a user's
 * .tar would be. A bundle that verifies must also run on the cpu backend. */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int fd = memfd_create("fuzz_bundle", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ff_bundle *b;
    ff_err e;
    if (ff_bundle_load(path, 1, &b, &e) == FF_OK) {
        ff_session *s;
        ff_io_info ii, oi;
        ff_bundle_input(b, &ii);
        ff_bundle_output(b, &oi);
        if (ii.size <= 4096 && oi.size <= 4096 && ff_session_open(b, "cpu", &(ff_session_opts){.threads = 1}, &s, &e) == FF_OK) {
            int32_t *x = calloc((size_t)ii.size, sizeof *x), *y = calloc((size_t)oi.size, sizeof *y);
            ff_session_infer_raw(s, x, y, 1, &e);
            free(x);
            free(y);
            ff_session_close(s);
        }
        ff_bundle_close(b);
    }
    close(fd);
    return 0;
}
