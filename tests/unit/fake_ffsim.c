/* A stand-in for a Verilated model's shared library (sim/ffsim.h API,
 * version 1), compiled by test_host.c to exercise the verilator backend's
 * dlopen/dlsym/instance/cycle paths without Verilator. Each result is
 * out[j] = sum(in) + j, after FAKE_LATENCY cycles. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef N_IN
#define N_IN 16
#endif
#ifndef N_OUT
#define N_OUT 5
#endif
#define FAKE_LATENCY 7

typedef struct ffsim_info {
    int api_version;
    const char *design, *model_sha256;
    int n_in, n_out, in_bits, out_bits, in_signed, out_signed, latency, ii, trace;
} ffsim_info;

typedef struct ffsim {
    int64_t queue[256];
    int head, tail;
    uint64_t cycles;
} ffsim;

static const ffsim_info info = {1, "fake_top", "", N_IN, N_OUT, 8, 16, 1, 1, FAKE_LATENCY, 1, 0};

const ffsim_info *ffsim_get_info(void) { return &info; }
ffsim *ffsim_create(const char *trace) { return trace ? NULL : calloc(1, sizeof(ffsim)); }
void ffsim_reset(ffsim *s) { s->head = s->tail = 0; s->cycles += 3; }
int ffsim_push(ffsim *s, const int32_t *in)
{
    int64_t sum = 0;
    for (int i = 0; i < N_IN; i++)
        sum += in[i];
    s->queue[s->tail++ % 256] = sum;
    return 0;
}
int ffsim_pull(ffsim *s, int32_t *out, uint64_t max_cycles)
{
    if (s->head == s->tail)
        return 0;
    int64_t sum = s->queue[s->head++ % 256];
    for (int j = 0; j < N_OUT; j++)
        out[j] = (int32_t)(sum + j);
    s->cycles += FAKE_LATENCY;
    return 1;
}
uint64_t ffsim_cycles(const ffsim *s) { return s->cycles; }
void ffsim_destroy(ffsim *s) { free(s); }
