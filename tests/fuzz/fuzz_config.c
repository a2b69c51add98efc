/* libFuzzer target: the per-layer configuration parser. */
#include "quant.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    ff_qconfig *c;
    ff_err e;
    if (ff_qconfig_parse(s, "fuzz.json", &c, &e) == FF_OK) {
        ff_node n = {.name = "dense", .op = FF_OP_DENSE};
        (void)ff_qconfig_resolve(c, &n);
        ff_qconfig_free(c);
    }
    free(s);
    return 0;
}
