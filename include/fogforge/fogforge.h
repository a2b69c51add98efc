/* libfogforge: run a packaged accelerator (a "bundle") on whichever device is
 * present -- the integer reference on CPU threads, OpenCL (any ICD platform),
 * a Verilator-emulated FPGA, or an AMD/Xilinx board through XRT -- through one
 * interface.
 *
 *   ff_bundle *b; ff_session *s; ff_err e;
 *   if (ff_bundle_open("bitstreams/jet", &b, &e)) { puts(e.msg); ... }
 *   if (ff_session_open(b, "auto", NULL, &s, &e)) { puts(e.msg); ... }
 *   ff_session_infer(s, x, y, n, &e);   // n samples, float in, float out
 *   ff_session_close(s); ff_bundle_close(b);
 *
 * Build: cc prog.c $(pkg-config --cflags --libs fogforge)
 *
 * Errors: every function that can fail returns FF_OK (0) or an error code and,
 * when `e` is not NULL, fills it with a one-line message saying what failed
 * and where. ff_strerror() names a code. The library never exits or aborts on
 * bad input, missing devices or tampered bundles.
 *
 * Threads: a bundle is immutable once open and may be shared by any number
 * of threads and sessions. A session may be used from many threads at once
 * (infer, submit, poll); close it only after every other call on it returned.
 * Keep the bundle open while sessions on it are open. */
#ifndef FOGFORGE_FOGFORGE_H
#define FOGFORGE_FOGFORGE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FF_API_VERSION 1

#ifndef FF_ERR_DEFINED
#define FF_ERR_DEFINED
enum {
    FF_OK = 0,
    FF_EINTERNAL = 1, /* our fault, or the system's (out of memory, I/O) */
    FF_EINPUT = 2,    /* bad input: file, bundle, option, argument */
};

typedef struct ff_err {
    int code;      /* the code the function returned */
    char msg[512]; /* "what: where" */
} ff_err;
#endif

enum {
    FF_EUNAVAILABLE = 3, /* backend absent here, or the bundle lacks its artifact */
    FF_EFULL = 4,        /* asynchronous queue full: poll, then submit again */
    FF_EPENDING = 5,     /* asynchronous result not ready within the timeout */
    FF_EDEVICE = 6,      /* the device failed while running */
};

/* Name of an error code ("bad input", "unavailable", ...). */
const char *ff_strerror(int code);
/* Library version, e.g. "0.1.0". */
const char *ff_version(void);

/* ---- bundles ---------------------------------------------------------- */

typedef struct ff_bundle ff_bundle;

/* Opens a bundle: a directory holding manifest.json, or a .tar of one.
 * Verifies the manifest (format, version, digest) and the sha256 of every
 * artifact; a tampered, truncated or incompatible bundle is refused with
 * FF_EINPUT and a message naming the problem. */
int ff_bundle_open(const char *path, ff_bundle **out, ff_err *e);
/* Opens DIR/NAME, or DIR/NAME.tar when there is no such directory. */
int ff_bundle_open_named(const char *dir, const char *name, ff_bundle **out, ff_err *e);
void ff_bundle_close(ff_bundle *b);

/* The manifest's name, and the path the bundle was opened from. */
const char *ff_bundle_name(const ff_bundle *b);
const char *ff_bundle_path(const ff_bundle *b);

#define FF_IO_MAX_RANK 6
typedef struct ff_io_info {
    int rank;
    int64_t dims[FF_IO_MAX_RANK]; /* dims[0] is the batch (1) */
    int64_t size;                 /* elements per sample */
    double scale;                 /* real value = raw integer * scale */
    int zero_point;               /* always 0 */
    int bits, is_signed;
    int32_t qmin, qmax;           /* range of the raw integers */
} ff_io_info;

/* Shape and quantization of the model's input and output tensors. */
void ff_bundle_input(const ff_bundle *b, ff_io_info *info);
void ff_bundle_output(const ff_bundle *b, ff_io_info *info);

/* The boundary conversions of the contract, for users of the raw API:
 * q = sat(floor(x / scale + 0.5), qmin, qmax) for n input samples, and
 * y = q * scale for n output samples. */
void ff_bundle_quantize(const ff_bundle *b, const float *x, int32_t *q, int64_t n);
void ff_bundle_dequantize(const ff_bundle *b, const int32_t *q, float *y, int64_t n);

/* Predicted compute latency of one inference in microseconds on `backend`
 * ("cpu", "opencl", ... or NULL for the best figure the manifest holds):
 * from the manifest's measured figures, else its estimate. < 0 when the
 * manifest has none. */
double ff_bundle_predicted_latency_us(const ff_bundle *b, const char *backend);

/* ---- devices ---------------------------------------------------------- */

typedef struct ff_device_info {
    char backend[16];  /* "cpu", "opencl", "verilator", "xrt" */
    int available;     /* usable on this machine */
    char detail[256];  /* the device found, or why the backend is unavailable */
} ff_device_info;

/* Probes every backend (never aborts, even without XILINX_XRT or an ICD).
 * Fills up to max entries and returns the number of backends. */
int ff_devices(ff_device_info *out, int max);

/* ---- sessions --------------------------------------------------------- */

typedef struct ff_session ff_session;

typedef struct ff_session_opts {
    int threads;     /* cpu: worker threads for a batch (0: one per core) */
    int queue_depth; /* asynchronous queue capacity (0: 64) */
    int opencl_per_layer; /* opencl: one kernel per layer instead of the fused kernel */
} ff_session_opts;

/* Opens a session of bundle b on backend "cpu", "opencl", "verilator", "xrt"
 * or "auto" (the best available: xrt, then opencl on a GPU or accelerator,
 * then cpu). opts may be NULL. FF_EUNAVAILABLE says why a backend cannot run
 * (no ICD, no board, XILINX_XRT unset, bundle without the artifact, ...). */
int ff_session_open(ff_bundle *b, const char *backend, const ff_session_opts *opts, ff_session **out, ff_err *e);
/* Waits for queued asynchronous work, then frees the session. */
void ff_session_close(ff_session *s);
/* The backend actually used ("auto" resolved) and its device. */
const char *ff_session_backend(const ff_session *s);
const char *ff_session_device(const ff_session *s);

/* Synchronous inference on n samples, laid out one after another:
 * in: n * input size, out: n * output size. The float variant quantizes the
 * input (q = sat(floor(x / scale + 0.5))) and dequantizes the output; the raw
 * variant takes and returns the integers of the contract, bit-identical on
 * every backend to `fogforge run --raw`. */
int ff_session_infer(ff_session *s, const float *in, float *out, int64_t n, ff_err *e);
int ff_session_infer_raw(ff_session *s, const int32_t *in, int32_t *out, int64_t n, ff_err *e);

/* Asynchronous inference: the session's worker runs submitted batches in
 * order. The buffers must stay valid until ff_session_poll reports the
 * ticket done. Submit returns FF_EFULL when queue_depth batches are pending.
 * Poll waits up to timeout_ms (0: just look, < 0: wait forever) and returns
 * FF_OK once (then the ticket is forgotten), FF_EPENDING when not finished,
 * the batch's own error code when it failed, FF_EINPUT for an unknown ticket. */
typedef uint64_t ff_ticket;
int ff_session_submit(ff_session *s, const float *in, float *out, int64_t n, ff_ticket *t, ff_err *e);
int ff_session_submit_raw(ff_session *s, const int32_t *in, int32_t *out, int64_t n, ff_ticket *t, ff_err *e);
int ff_session_poll(ff_session *s, ff_ticket t, int timeout_ms, ff_err *e);

/* Counters since the session opened (for overhead measurements). */
typedef struct ff_session_stats {
    uint64_t calls, samples;
    uint64_t device_ns;  /* time inside the backend's run call */
    uint64_t cycles;     /* verilator: simulated clock cycles (0 elsewhere) */
} ff_session_stats;
void ff_session_get_stats(ff_session *s, ff_session_stats *st);

#ifdef __cplusplus
}
#endif
#endif
