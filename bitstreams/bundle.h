/* Bundles: a directory (or a .tar of one) holding manifest.json and the
 * artifacts of one quantized model (.ffq, OpenCL C, Verilator library,
 * xclbin), each with its sha256. Creation, verification and the in-memory
 * view the runtime and backends read. docs/bundles.md. */
#ifndef FF_BUNDLE_H
#define FF_BUNDLE_H
#include "fogforge/fogforge.h"
#include "quant.h"

#include <cjson/cJSON.h>

#define FF_BUNDLE_FORMAT "fogforge-bundle"
#define FF_BUNDLE_MANIFEST_VERSION 1
#define FF_BUNDLE_MAX_FILE ((size_t)512 << 20)

typedef struct ff_bundle_file {
    char *path;         /* relative, '/'-separated */
    unsigned char *data;
    size_t len;
} ff_bundle_file;

struct ff_bundle {
    char *path;          /* as opened */
    int is_tar;
    cJSON *manifest;
    char name[128];
    ff_bundle_file *files;
    int nfiles;
    ff_qmodel *q;        /* parsed .ffq */
    char *tmpdir;        /* extracted artifacts that need a file (dlopen, xclbin) */
};

/* Reads a bundle (dir or .tar) and verifies it; does not parse the .ffq
 * when q_too is 0 (bundle verify/list). */
int ff_bundle_load(const char *path, int q_too, ff_bundle **out, ff_err *e);

/* Artifact of a kind ("ffq", "opencl", "verilator", "xclbin"): its bytes,
 * or NULL when the bundle has none. */
const ff_bundle_file *ff_bundle_artifact(const ff_bundle *b, const char *kind);
/* Path of an artifact on disk: inside a directory bundle, or extracted to a
 * private temp dir for a .tar. */
int ff_bundle_artifact_path(ff_bundle *b, const char *kind, char *path, size_t n, ff_err *e);

typedef struct ff_bundle_spec {
    const char *model_path;   /* .onnx or .ffq */
    const char *name;         /* default: model file name without extension */
    const char *version;      /* default "1" */
    const char *part;
    double clock_ns;
    int clock_set;            /* --clock given: the RTL is pipelined for clock_ns (gen --clock) */
    int io_stream;            /* --io stream: the RTL streams pixels (gen --io stream) */
    int slices;               /* --slices: register slices in the RTL project (gen --slices) */
    int with_opencl;
    const char *with_projects[4]; /* emitters whose whole project goes in under NAME/ (kind NAME), e.g. "hls" */
    int n_projects;             /* "rtl" also builds the Verilator library (artifact kind "verilator") */
    const char *sim_cache;      /* Verilator build cache to keep (NULL: a temp dir) */
    const char *estimate_json;  /* optional JSON object text (fogforge estimate --json) */
    const char *measured_json;  /* optional JSON object text (fogforge sim/synth --json) */
} ff_bundle_spec;

/* Creates a bundle at out: a directory, or a .tar when out ends in ".tar".
 * Fails when out exists. */
int ff_bundle_create(const ff_qmodel *q, const ff_bundle_spec *spec, const char *out, ff_err *e);
/* Adds (or replaces) an artifact file of `kind` in a bundle (dir or .tar),
 * rewriting the manifest with its checksum. extra: optional JSON object
 * merged into the artifact entry. */
int ff_bundle_add_file(const char *bundle, const char *kind, const char *file, const char *relpath,
                       const cJSON *extra, ff_err *e);
/* Writes a tar of a bundle's files. */
int ff_bundle_write_tar(const char *path, const ff_bundle_file *files, int n, ff_err *e);

/* Manifest digest: sha256 of the manifest printed without its "digest". */
void ff_bundle_digest(const cJSON *manifest, char out[65]);
#endif
