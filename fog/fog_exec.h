/* The seam between the fog daemons and whatever runs a model. A daemon
 * opens one executor per bundle and calls infer() from any number of worker
 * threads (implementations must make infer() reentrant). Tensors are raw
 * int32. The built-in implementation is a deterministic integer MLP
 * (jet-tagger sized, 16-64-32-32-5); the host runtime (libfogforge bundles)
 * plugs in as another ff_exec_ops without the daemons changing. */
#ifndef FF_FOG_EXEC_H
#define FF_FOG_EXEC_H
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"

typedef struct ff_exec_ops {
    const char *name;
    /* Opens bundle `name` from bundle_dir on backend ("auto", "cpu", ...). */
    int (*open)(const char *bundle_dir, const char *name, const char *backend, void **ctx, char *err);
    size_t (*n_in)(void *ctx);
    size_t (*n_out)(void *ctx);
    int (*infer)(void *ctx, const int32_t *in, size_t n_in, int32_t *out, size_t n_out,
                 uint64_t *compute_ns, char *err);
    /* Predicted compute latency of one inference (from the manifest or a calibration). */
    uint64_t (*predicted_latency_us)(void *ctx);
    void (*close)(void *ctx);
    /* Optional (NULL): one line for logs, e.g. "backend=cpu device=...". */
    const char *(*describe)(void *ctx);
    /* Optional (NULL: the model has no such identity, e.g. the built-in MLP):
     * the bundle's sha256 as tasks carry it, FF_FOG_OK when known. For a
     * libfogforge bundle it is the manifest digest, which covers the
     * sha256 of every artifact. */
    int (*sha256)(void *ctx, uint8_t out[32]);
} ff_exec_ops;

typedef struct ff_exec {
    const ff_exec_ops *ops;
    void *ctx;
    char bundle[64];
    uint8_t sha256[32];    /* valid when has_sha256 (filled by ff_exec_open) */
    int has_sha256;
} ff_exec;

/* The built-in integer MLP; serves the bundle name FF_EXEC_MLP_BUNDLE. */
#define FF_EXEC_MLP_BUNDLE "jet-tagger"
#define FF_EXEC_MLP_IN 16u
#define FF_EXEC_MLP_OUT 5u
extern const ff_exec_ops ff_exec_mlp_ops;

/* Opens `bundle` with ops (NULL = built-in MLP). Returns FF_FOG_EINPUT when the
 * bundle or backend is unknown. */
int ff_exec_open(ff_exec *e, const ff_exec_ops *ops, const char *bundle_dir, const char *bundle,
                 const char *backend, char *err);
int ff_exec_infer(ff_exec *e, const int32_t *in, size_t n_in, int32_t *out, size_t n_out,
                  uint64_t *compute_ns, char *err);
void ff_exec_close(ff_exec *e);

/* Emulated device speed (fog/exec_emul.c): ops that run `inner` (NULL =
 * built-in MLP) and hold each inference for at least compute_us. Returns
 * inner itself when compute_us is 0. Process-wide setting. */
const ff_exec_ops *ff_exec_emul_ops(const ff_exec_ops *inner, uint64_t compute_us);

/* Reference MLP forward pass (pure; used by the executor and by tests). */
void ff_exec_mlp_forward(const int32_t in[FF_EXEC_MLP_IN], int32_t out[FF_EXEC_MLP_OUT]);
#endif
