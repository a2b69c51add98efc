/* The table of backends, in the order "auto" tries them. */
#include "backend.h"

#include <string.h>
#include <unistd.h>

const ff_backend *const ff_backends[] = {
    &ff_backend_xrt,
    &ff_backend_opencl,
    &ff_backend_verilator,
    &ff_backend_cpu,
    NULL,
};

const ff_backend *ff_backend_find(const char *name)
{
    for (int i = 0; ff_backends[i]; i++)
        if (!strcmp(ff_backends[i]->name, name))
            return ff_backends[i];
    return NULL;
}

int ff_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}
