/* The C API of a Verilated fogforge design, built as a shared library
 * (libffsim_<hash>.so, by `fogforge sim DIR --lib`). Load it with
 * dlopen(path, RTLD_NOW | RTLD_LOCAL) and look the functions up with dlsym;
 * only these symbols are exported (version script). The typedefs below name
 * the function pointer types for dlsym.
 *
 * Values are raw integers of the quantized model (as `fogforge run --quant
 * ... --raw` prints them): n_in inputs per sample, n_out outputs per result,
 * each in int32_t. A sample is one AXI4-Stream beat into the design.
 *
 * Typical use: create, reset, push samples, pull results (pull clocks the
 * design until a result comes out; pushing several samples before pulling
 * keeps the pipeline full), read the cycle count, destroy. ffsim_step gives
 * cycle-level control (valid/ready per cycle) for testbenches. A handle is
 * not thread-safe; different handles (and different libraries) are
 * independent. */
#ifndef FF_FFSIM_H
#define FF_FFSIM_H
#include <stdint.h>

#define FFSIM_API_VERSION 1

typedef struct ffsim ffsim;

typedef struct ffsim_info {
    int api_version;       /* FFSIM_API_VERSION */
    const char *design;    /* top module name */
    const char *model_sha256;
    int n_in, n_out;       /* integers per sample / per result */
    int in_bits, out_bits; /* element widths */
    int in_signed, out_signed;
    int latency, ii;       /* expected (from the emitter) */
    int trace;             /* built with FST tracing */
    /* The fields below exist only in io stream libraries (manifest "io":
     * {"mode": "stream"}); read them only when io_stream is known to be there.
     * There ffsim_step moves one beat (in: in_beat integers, out: out_beat)
     * and a sample is in_beats input beats (out_beats output beats);
     * push/pull still take whole samples. */
    int io_stream;
    int in_beat, out_beat;
    int in_beats, out_beats;
} ffsim_info;

const ffsim_info *ffsim_get_info(void);
/* New simulation; trace_fst: FST file to write (NULL: none; needs a library
 * built with tracing). NULL when tracing was asked of a library without it. */
ffsim *ffsim_create(const char *trace_fst);
/* Synchronous reset (a few cycles); clears queues and the pipeline. */
void ffsim_reset(ffsim *s);
/* Queues one sample (n_in integers). Returns 0. */
int ffsim_push(ffsim *s, const int32_t *in);
/* Clocks until a result is available and copies it (n_out integers).
 * Returns 1 with a result, 0 when nothing is queued or in flight, -1 when
 * max_cycles passed without a result (0 = no limit). */
int ffsim_pull(ffsim *s, int32_t *out, uint64_t max_cycles);
/* One clock cycle with explicit handshakes: drives s_axis_tvalid=in_valid
 * with `in` and m_axis_tready=out_ready; reports whether the input beat was
 * taken and whether an output beat was given (copied to out) at this edge. */
void ffsim_step(ffsim *s, int in_valid, const int32_t *in, int out_ready, int *in_taken, int *out_given,
                int32_t *out);
/* Clock cycles since create (reset cycles included). */
uint64_t ffsim_cycles(const ffsim *s);
void ffsim_destroy(ffsim *s);

typedef const ffsim_info *(*ffsim_get_info_fn)(void);
typedef ffsim *(*ffsim_create_fn)(const char *);
typedef void (*ffsim_reset_fn)(ffsim *);
typedef int (*ffsim_push_fn)(ffsim *, const int32_t *);
typedef int (*ffsim_pull_fn)(ffsim *, int32_t *, uint64_t);
typedef void (*ffsim_step_fn)(ffsim *, int, const int32_t *, int, int *, int *, int32_t *);
typedef uint64_t (*ffsim_cycles_fn)(const ffsim *);
typedef void (*ffsim_destroy_fn)(ffsim *);
#endif
