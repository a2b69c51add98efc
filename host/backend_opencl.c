/* opencl backend: builds the bundle's OpenCL C source (hls/emit_opencl.c) on
 * the first OpenCL platform with a device (FF_OPENCL_PLATFORM=index picks
 * another) and runs the fused kernel, or one kernel per layer. On Xilinx's
 * platform (which runs only precompiled binaries) it loads the bundle's
 * xclbin with clCreateProgramWithBinary and runs the HLS back-end's kernel
 * <model>_kernel(in, out, n) as a task. Built
 * programs are cached per process (keyed by device and source hash); PoCL
 * also caches on disk under POCL_CACHE_DIR. Each concurrent caller gets its
 * own queue, kernels and buffers from a free list. */
#define CL_TARGET_OPENCL_VERSION 120
#include "backend.h"
#include "emit.h"
#include "emit_opencl.h"

#include <CL/cl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- process-wide program cache ---- */
typedef struct prog_entry {
    cl_device_id dev;
    char sha[65];
    cl_context ctx;
    cl_program prog;
    int refs;
    struct prog_entry *next;
} prog_entry;

static pthread_mutex_t cache_lk = PTHREAD_MUTEX_INITIALIZER;
static prog_entry *cache;

typedef struct slot {
    cl_command_queue q;
    cl_kernel fused;
    cl_kernel *layer; /* per node, NULL when the node has no kernel */
    cl_mem in, out, arena;
    int64_t cap;      /* samples the buffers hold */
    struct slot *next;
} slot;

typedef struct ocl_ctx {
    prog_entry *pe;
    char xkernel[160]; /* Xilinx: the xclbin's kernel; "" otherwise */
    cl_device_id dev;
    const ff_qmodel *q;
    int64_t isz, osz, arena, *parts;
    int nn, per_layer;
    pthread_mutex_t lk;
    slot *free_slots;
} ocl_ctx;

static const char *cl_err(cl_int r)
{
    switch (r) {
    case CL_DEVICE_NOT_FOUND: return "device not found";
    case CL_OUT_OF_RESOURCES: return "out of resources";
    case CL_OUT_OF_HOST_MEMORY: return "out of host memory";
    case CL_BUILD_PROGRAM_FAILURE: return "build failure";
    case CL_INVALID_VALUE: return "invalid value";
    case CL_INVALID_KERNEL_NAME: return "invalid kernel name";
    case CL_INVALID_WORK_GROUP_SIZE: return "invalid work-group size";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "buffer allocation failure";
    case -1001: return "no platform (ICD loader found no vendor driver)";
    default: return "error";
    }
}

/* Picks the platform/device: FF_OPENCL_PLATFORM (index) or the first with a device. */
static int pick_device(cl_platform_id *pp, cl_device_id *dp, char *why, size_t n)
{
    cl_uint np = 0;
    cl_int r = clGetPlatformIDs(0, NULL, &np);
    if (r != CL_SUCCESS || np == 0) {
        snprintf(why, n, "no OpenCL platform: the ICD loader found no vendor driver in /etc/OpenCL/vendors (%d)", r);
        return 0;
    }
    cl_platform_id plats[16];
    np = np > 16 ? 16 : np;
    clGetPlatformIDs(np, plats, NULL);
    const char *want = getenv("FF_OPENCL_PLATFORM");
    for (cl_uint i = 0; i < np; i++) {
        if (want && want[0] && (cl_uint)atoi(want) != i)
            continue;
        cl_device_id d;
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 1, &d, &nd) == CL_SUCCESS && nd > 0) {
            *pp = plats[i];
            *dp = d;
            return 1;
        }
    }
    snprintf(why, n, "%u OpenCL platform%s but no device%s", np, np > 1 ? "s" : "",
             want && want[0] ? " on FF_OPENCL_PLATFORM" : "");
    return 0;
}

static void describe(cl_platform_id p, cl_device_id d, char *out, size_t n)
{
    char pn[128] = "", dn[128] = "", dv[128] = "";
    clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof pn, pn, NULL);
    clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof dn, dn, NULL);
    clGetDeviceInfo(d, CL_DEVICE_VERSION, sizeof dv, dv, NULL);
    snprintf(out, n, "%s: %s (%s)", pn, dn, dv);
}

static int ocl_probe(char *detail, size_t n)
{
    cl_platform_id p;
    cl_device_id d;
    if (!pick_device(&p, &d, detail, n))
        return 0;
    describe(p, d, detail, n);
    return 1;
}

/* auto picks OpenCL only on a GPU or accelerator (a CPU device is slower
 * than the cpu backend). */
static int ocl_auto_ok(void)
{
    cl_platform_id p;
    cl_device_id d;
    char why[256];
    if (!pick_device(&p, &d, why, sizeof why))
        return 0;
    cl_device_type t = 0;
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, NULL);
    return (t & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
}

static void release_program(prog_entry *pe)
{
    pthread_mutex_lock(&cache_lk);
    if (--pe->refs == 0) {
        prog_entry **pp = &cache;
        while (*pp != pe)
            pp = &(*pp)->next;
        *pp = pe->next;
        clReleaseProgram(pe->prog);
        clReleaseContext(pe->ctx);
        free(pe);
    }
    pthread_mutex_unlock(&cache_lk);
}

static int get_program(cl_platform_id plat, cl_device_id dev, const ff_bundle_file *src, int binary,
                       prog_entry **out, ff_err *e)
{
    char sha[65];
    ff_sha256_hex(src->data, src->len, sha);
    pthread_mutex_lock(&cache_lk);
    for (prog_entry *pe = cache; pe; pe = pe->next)
        if (pe->dev == dev && !strcmp(pe->sha, sha)) {
            pe->refs++;
            pthread_mutex_unlock(&cache_lk);
            *out = pe;
            return FF_OK;
        }
    cl_int r;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)plat, 0};
    cl_context ctx = clCreateContext(props, 1, &dev, NULL, NULL, &r);
    if (!ctx) {
        pthread_mutex_unlock(&cache_lk);
        return ff_errf(e, FF_EDEVICE, "opencl: cannot create a context: %s (%d)", cl_err(r), r);
    }
    const char *s = (const char *)src->data;
    size_t len = src->len;
    cl_program prog;
    if (binary) {
        const unsigned char *bin = src->data;
        cl_int st;
        prog = clCreateProgramWithBinary(ctx, 1, &dev, &len, &bin, &st, &r);
    } else {
        prog = clCreateProgramWithSource(ctx, 1, &s, &len, &r);
    }
    if (prog)
        r = clBuildProgram(prog, 1, &dev, binary ? "" : "-cl-std=CL1.2", NULL, NULL);
    if (r != CL_SUCCESS) {
        char log[1024] = "";
        if (prog) {
            clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
            clReleaseProgram(prog);
        }
        clReleaseContext(ctx);
        pthread_mutex_unlock(&cache_lk);
        for (char *c = log; *c; c++)
            if (*c == '\n')
                *c = ' ';
        return ff_errf(e, FF_EDEVICE, "opencl: building the bundle's kernels failed: %s (%d): %.300s", cl_err(r), r,
                       log);
    }
    prog_entry *pe = ff_calloc(1, sizeof *pe);
    pe->dev = dev;
    memcpy(pe->sha, sha, sizeof sha);
    pe->ctx = ctx;
    pe->prog = prog;
    pe->refs = 1;
    pe->next = cache;
    cache = pe;
    pthread_mutex_unlock(&cache_lk);
    *out = pe;
    return FF_OK;
}

static void ocl_close(void *ctx);

static int ocl_open(ff_bundle *b, const ff_session_opts *o, void **ctx, char *device, size_t ndev, ff_err *e)
{
    cl_platform_id plat;
    cl_device_id dev;
    char why[256], pname[128] = "";
    if (!pick_device(&plat, &dev, why, sizeof why))
        return ff_errf(e, FF_EUNAVAILABLE, "opencl: unavailable: %s", why);
    clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof pname, pname, NULL);
    int xilinx = strstr(pname, "Xilinx") != NULL;
    const ff_bundle_file *src = ff_bundle_artifact(b, xilinx ? "xclbin" : "opencl");
    if (!src)
        return ff_errf(e, FF_EUNAVAILABLE, "opencl: unavailable: bundle %s has no %s", b->path,
                       xilinx ? "xclbin for the Xilinx platform (fogforge bundle add BUNDLE --xclbin FILE)"
                              : "OpenCL kernels (create it with --with opencl)");
    ocl_ctx *c = ff_calloc(1, sizeof *c);
    pthread_mutex_init(&c->lk, NULL);
    c->dev = dev;
    c->q = b->q;
    c->isz = ff_graph_in_size(b->q->g);
    c->osz = ff_graph_out_size(b->q->g);
    c->arena = ff_opencl_arena_size(b->q);
    c->arena = c->arena ? c->arena : 1;
    c->nn = b->q->g->nn;
    c->parts = ff_calloc((size_t)c->nn, sizeof *c->parts);
    for (int i = 0; i < c->nn; i++)
        c->parts[i] = ff_opencl_layer_parts(b->q, i);
    c->per_layer = o && o->opencl_per_layer;
    const char *env = getenv("FF_OPENCL_PER_LAYER");
    if (env && env[0] == '1')
        c->per_layer = 1;
    if (xilinx) {
        char id[128];
        ff_ident(b->name, id, sizeof id);
        snprintf(c->xkernel, sizeof c->xkernel, "%s_kernel", id);
        const cJSON *hk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b->manifest, "hls"), "kernel");
        if (cJSON_IsString(hk))
            snprintf(c->xkernel, sizeof c->xkernel, "%s", hk->valuestring);
        const cJSON *arts = cJSON_GetObjectItemCaseSensitive(b->manifest, "artifacts"), *a;
        cJSON_ArrayForEach(a, arts) {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "kind"), *kn = cJSON_GetObjectItemCaseSensitive(a, "kernel");
            if (cJSON_IsString(k) && !strcmp(k->valuestring, "xclbin") && cJSON_IsString(kn))
                snprintf(c->xkernel, sizeof c->xkernel, "%s", kn->valuestring);
        }
    }
    int rc = get_program(plat, dev, src, xilinx, &c->pe, e);
    if (rc) {
        free(c->parts);
        free(c);
        return rc;
    }
    describe(plat, dev, device, ndev);
    size_t l = strlen(device);
    if (c->xkernel[0])
        snprintf(device + l, ndev - l, ", xclbin kernel %s", c->xkernel);
    else
        snprintf(device + l, ndev - l, ", %s kernel", c->per_layer ? "per-layer" : "fused");
    *ctx = c;
    return FF_OK;
}

static void free_slot(slot *s, int nn)
{
    if (s->fused)
        clReleaseKernel(s->fused);
    for (int i = 0; s->layer && i < nn; i++)
        if (s->layer[i])
            clReleaseKernel(s->layer[i]);
    free(s->layer);
    if (s->in)
        clReleaseMemObject(s->in);
    if (s->out)
        clReleaseMemObject(s->out);
    if (s->arena)
        clReleaseMemObject(s->arena);
    if (s->q)
        clReleaseCommandQueue(s->q);
    free(s);
}

static slot *new_slot(ocl_ctx *c, ff_err *e)
{
    cl_int r;
    slot *s = ff_calloc(1, sizeof *s);
    s->q = clCreateCommandQueue(c->pe->ctx, c->dev, 0, &r);
    if (!s->q)
        goto fail;
    s->fused = clCreateKernel(c->pe->prog, c->xkernel[0] ? c->xkernel : "ff_model", &r);
    if (!s->fused)
        goto fail;
    s->layer = ff_calloc((size_t)c->nn, sizeof *s->layer);
    for (int i = 0; i < c->nn && !c->xkernel[0]; i++) {
        if (!c->parts[i])
            continue;
        char kn[32];
        snprintf(kn, sizeof kn, "ff_layer_%d", i);
        s->layer[i] = clCreateKernel(c->pe->prog, kn, &r);
        if (!s->layer[i])
            goto fail;
    }
    return s;
fail:
    free_slot(s, c->nn);
    ff_errf(e, FF_EDEVICE, "opencl: cannot create a queue or kernel: %s (%d)", cl_err(r), r);
    return NULL;
}

static int ensure_cap(ocl_ctx *c, slot *s, int64_t n, ff_err *e)
{
    if (s->cap >= n)
        return FF_OK;
    int64_t cap = s->cap ? s->cap : 1;
    while (cap < n)
        cap *= 2;
    cl_int r;
    cl_mem in = clCreateBuffer(c->pe->ctx, CL_MEM_READ_ONLY, (size_t)(cap * c->isz) * 4, NULL, &r);
    cl_mem out = in ? clCreateBuffer(c->pe->ctx, CL_MEM_WRITE_ONLY, (size_t)(cap * c->osz) * 4, NULL, &r) : NULL;
    cl_mem ar = out ? clCreateBuffer(c->pe->ctx, CL_MEM_READ_WRITE, (size_t)(cap * c->arena) * 4, NULL, &r) : NULL;
    if (!ar) {
        if (in)
            clReleaseMemObject(in);
        if (out)
            clReleaseMemObject(out);
        return ff_errf(e, FF_EDEVICE, "opencl: cannot allocate buffers for %lld samples: %s (%d)", (long long)n,
                       cl_err(r), r);
    }
    if (s->in) {
        clReleaseMemObject(s->in);
        clReleaseMemObject(s->out);
        clReleaseMemObject(s->arena);
    }
    s->in = in;
    s->out = out;
    s->arena = ar;
    s->cap = cap;
    return FF_OK;
}

static int set_args(cl_kernel k, slot *s, cl_int n)
{
    cl_int r = clSetKernelArg(k, 0, sizeof(cl_mem), &s->in);
    r |= clSetKernelArg(k, 1, sizeof(cl_mem), &s->out);
    r |= clSetKernelArg(k, 2, sizeof(cl_mem), &s->arena);
    r |= clSetKernelArg(k, 3, sizeof(cl_int), &n);
    return r;
}

static int ocl_run(void *ctx, const int32_t *in, int32_t *out, int64_t n, uint64_t *cycles, ff_err *e)
{
    ocl_ctx *c = ctx;
    if (n > INT32_MAX)
        return ff_errf(e, FF_EINPUT, "opencl: batch of %lld samples is too large", (long long)n);
    pthread_mutex_lock(&c->lk);
    slot *s = c->free_slots;
    if (s)
        c->free_slots = s->next;
    pthread_mutex_unlock(&c->lk);
    if (!s && !(s = new_slot(c, e)))
        return e ? e->code : FF_EDEVICE;
    int rc = ensure_cap(c, s, n, e);
    if (rc)
        goto done;
    /* PoCL compiles a work-group function per distinct work size (~0.1 s
     * each): round the sample range up to a power of two (kernels ignore
     * s >= n) so a few sizes cover every batch */
    size_t gn = 1;
    while (gn < (size_t)n)
        gn *= 2;
    cl_int r = clEnqueueWriteBuffer(s->q, s->in, CL_FALSE, 0, (size_t)(n * c->isz) * 4, in, 0, NULL, NULL);
    if (c->xkernel[0]) { /* Vitis kernel: (in, out, n), one task */
        r |= clSetKernelArg(s->fused, 0, sizeof(cl_mem), &s->in);
        r |= clSetKernelArg(s->fused, 1, sizeof(cl_mem), &s->out);
        cl_int nn = (cl_int)n;
        r |= clSetKernelArg(s->fused, 2, sizeof(cl_int), &nn);
        r |= clEnqueueTask(s->q, s->fused, 0, NULL, NULL);
    } else if (!c->per_layer) {
        r |= set_args(s->fused, s, (cl_int)n);
        size_t g = gn;
        r |= clEnqueueNDRangeKernel(s->q, s->fused, 1, NULL, &g, NULL, 0, NULL, NULL);
    } else {
        for (int i = 0; i < c->nn && r == CL_SUCCESS; i++) {
            if (!s->layer[i])
                continue;
            r |= set_args(s->layer[i], s, (cl_int)n);
            size_t g[2] = {gn, (size_t)c->parts[i]};
            r |= clEnqueueNDRangeKernel(s->q, s->layer[i], 2, NULL, g, NULL, 0, NULL, NULL);
        }
    }
    if (r == CL_SUCCESS)
        r = clEnqueueReadBuffer(s->q, s->out, CL_TRUE, 0, (size_t)(n * c->osz) * 4, out, 0, NULL, NULL);
    if (r != CL_SUCCESS)
        rc = ff_errf(e, FF_EDEVICE, "opencl: running the kernels failed: %s (%d)", cl_err(r), r);
done:
    pthread_mutex_lock(&c->lk);
    s->next = c->free_slots;
    c->free_slots = s;
    pthread_mutex_unlock(&c->lk);
    return rc;
}

static void ocl_close(void *ctx)
{
    ocl_ctx *c = ctx;
    while (c->free_slots) {
        slot *s = c->free_slots;
        c->free_slots = s->next;
        free_slot(s, c->nn);
    }
    release_program(c->pe);
    pthread_mutex_destroy(&c->lk);
    free(c->parts);
    free(c);
}

const ff_backend ff_backend_opencl = {
    "opencl", "OpenCL C kernels through the ICD loader (PoCL, GPUs, ...)", ocl_probe, ocl_auto_ok, ocl_open,
    ocl_run, ocl_close,
};
