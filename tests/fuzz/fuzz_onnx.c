/* libFuzzer target: the ONNX loader must turn any byte string into either a
 * graph or an FF_EINPUT error, never a crash, hang or leak.
 * Seeds: tests/fuzz/corpus/onnx (small hls4ml models and generated ones). */
#include <stddef.h>
#include <stdint.h>

#include "onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ff_graph *g = NULL;
    ff_err e = {0};
    int rc = ff_onnx_load_mem(data, size, "fuzz.onnx", &g, &e);
    if (rc == FF_OK && !g)
        __builtin_trap();
    if (rc != FF_OK && (g || rc != FF_EINPUT))
        __builtin_trap();
    ff_graph_free(g);
    return 0;
}
