/* xrt backend: an AMD/Xilinx board through XRT's native C API. Debian's XRT
 * aborts (a C++ exception escapes the C API) when XILINX_XRT is unset or has
 * no plugins, so every precondition -- XILINX_XRT, its lib/libxrt_core.so, a
 * board bound to the xocl driver -- is checked before the first XRT call,
 * and each missing one is reported as "unavailable" with the reason. The
 * kernel is the HLS back-end's Vitis kernel `<model>_kernel(const int *in,
 * int *out, int n)` with m_axi buffers; its name is the xclbin artifact's
 * "kernel" entry, else derived from the bundle name. */
#include "backend.h"
#include "emit.h"

#include "xrt/xrt_bo.h"
#include "xrt/xrt_device.h"
#include "xrt/xrt_kernel.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int has_entry(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int found = 0;
    while (!found && (de = readdir(d)))
        found = !strncmp(de->d_name, prefix, strlen(prefix));
    closedir(d);
    return found;
}

/* Everything that must hold before XRT may be called. */
static int preconditions(char *why, size_t n)
{
    const char *x = getenv("XILINX_XRT");
    if (!x || !x[0]) {
        snprintf(why, n, "XILINX_XRT is not set (source /opt/xilinx/xrt/setup.sh); XRT would abort without it");
        return 0;
    }
    char lib[4096];
    snprintf(lib, sizeof lib, "%s/lib", x);
    if (!has_entry(lib, "libxrt_core.so")) {
        snprintf(why, n, "XILINX_XRT=%s has no lib/libxrt_core.so (XRT loads its device plugin from there)", x);
        return 0;
    }
    if (!has_entry("/sys/bus/pci/drivers/xocl", "0000:") && !has_entry("/dev/dri", "renderD1")) {
        snprintf(why, n, "no Xilinx board: the xocl driver has no device (/sys/bus/pci/drivers/xocl)");
        return 0;
    }
    return 1;
}

static int xrt_probe(char *detail, size_t n)
{
    if (!preconditions(detail, n))
        return 0;
    errno = 0;
    xrtDeviceHandle d = xrtDeviceOpen(0);
    if (!d) {
        snprintf(detail, n, "xrtDeviceOpen(0) failed: %s", strerror(errno ? errno : ENODEV));
        return 0;
    }
    xrtDeviceClose(d);
    snprintf(detail, n, "XRT device 0");
    return 1;
}

static int xrt_auto_ok(void) { return 1; }

typedef struct xrt_ctx {
    xrtDeviceHandle dev;
    xrtKernelHandle k;
    int64_t isz, osz;
    pthread_mutex_t lk; /* one kernel run at a time */
} xrt_ctx;

static int xrt_open(ff_bundle *b, const ff_session_opts *o, void **ctx, char *device, size_t ndev, ff_err *e)
{
    char why[512];
    if (!preconditions(why, sizeof why))
        return ff_errf(e, FF_EUNAVAILABLE, "xrt: unavailable: %s", why);
    if (!ff_bundle_artifact(b, "xclbin"))
        return ff_errf(e, FF_EUNAVAILABLE,
                       "xrt: unavailable: bundle has no xclbin (build one with Vitis, then fogforge bundle add %s "
                       "--xclbin FILE)",
                       b->path);
    char path[4096];
    int rc = ff_bundle_artifact_path(b, "xclbin", path, sizeof path, e);
    if (rc)
        return rc;
    char kdef[160], id[128];
    ff_ident(b->name, id, sizeof id);
    snprintf(kdef, sizeof kdef, "%s_kernel", id);
    const char *kname = kdef;
    const cJSON *hk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b->manifest, "hls"), "kernel");
    if (cJSON_IsString(hk))
        kname = hk->valuestring;
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts"), *a;
    cJSON_ArrayForEach(a, arts) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "kind"), *kn = cJSON_GetObjectItemCaseSensitive(a, "kernel");
        if (cJSON_IsString(k) && !strcmp(k->valuestring, "xclbin") && cJSON_IsString(kn))
            kname = kn->valuestring;
    }
    xrtDeviceHandle d = xrtDeviceOpen(0);
    if (!d)
        return ff_errf(e, FF_EUNAVAILABLE, "xrt: unavailable: xrtDeviceOpen(0) failed: %s", strerror(errno));
    xuid_t uuid;
    if (xrtDeviceLoadXclbinFile(d, path) != 0 || xrtDeviceGetXclbinUUID(d, uuid) != 0) {
        xrtDeviceClose(d);
        return ff_errf(e, FF_EDEVICE, "xrt: cannot load %s on device 0", path);
    }
    xrtKernelHandle k = xrtPLKernelOpen(d, uuid, kname);
    if (!k) {
        xrtDeviceClose(d);
        return ff_errf(e, FF_EDEVICE, "xrt: xclbin %s has no kernel '%s'", path, kname);
    }
    xrt_ctx *c = ff_calloc(1, sizeof *c);
    c->dev = d;
    c->k = k;
    c->isz = ff_graph_in_size(b->q->g);
    c->osz = ff_graph_out_size(b->q->g);
    pthread_mutex_init(&c->lk, NULL);
    snprintf(device, ndev, "XRT device 0, kernel %s", kname);
    *ctx = c;
    return FF_OK;
}

static int xrt_run(void *ctx, const int32_t *in, int32_t *out, int64_t n, uint64_t *cycles, ff_err *e)
{
    xrt_ctx *c = ctx;
    size_t ib = (size_t)(n * c->isz) * 4, ob = (size_t)(n * c->osz) * 4;
    pthread_mutex_lock(&c->lk);
    int rc = FF_OK;
    xrtBufferHandle bi = xrtBOAlloc(c->dev, ib, 0, xrtKernelArgGroupId(c->k, 0));
    xrtBufferHandle bo = xrtBOAlloc(c->dev, ob, 0, xrtKernelArgGroupId(c->k, 1));
    if (!bi || !bo) {
        rc = ff_errf(e, FF_EDEVICE, "xrt: cannot allocate device buffers");
    } else if (xrtBOWrite(bi, in, ib, 0) || xrtBOSync(bi, XCL_BO_SYNC_BO_TO_DEVICE, ib, 0)) {
        rc = ff_errf(e, FF_EDEVICE, "xrt: cannot copy the input to the device");
    } else {
        xrtRunHandle r = xrtKernelRun(c->k, bi, bo, (int)n);
        if (!r) {
            rc = ff_errf(e, FF_EDEVICE, "xrt: the kernel did not start");
        } else {
            xrtRunWait(r);
            xrtRunClose(r);
            if (xrtBOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, ob, 0) || xrtBORead(bo, out, ob, 0))
                rc = ff_errf(e, FF_EDEVICE, "xrt: cannot read the output back");
        }
    }
    if (bi)
        xrtBOFree(bi);
    if (bo)
        xrtBOFree(bo);
    pthread_mutex_unlock(&c->lk);
    return rc;
}

static void xrt_close(void *ctx)
{
    xrt_ctx *c = ctx;
    xrtKernelClose(c->k);
    xrtDeviceClose(c->dev);
    pthread_mutex_destroy(&c->lk);
    free(c);
}

const ff_backend ff_backend_xrt = {
    "xrt", "AMD/Xilinx board through XRT's native API (needs an xclbin in the bundle)", xrt_probe, xrt_auto_ok,
    xrt_open, xrt_run, xrt_close,
};
