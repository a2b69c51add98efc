/* libFuzzer target: the error-bands file of a learned surrogate
 * (surrogates/bands.c; MODELDIR/bands.json is outside input: --surrogate
 * DIR, $FOGFORGE_SURROGATE), with and without the model's index hash, then
 * the intervals of whatever it accepted. */
#include "bands.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    ff_bands b;
    ff_err e;
    char sha[65];
    ff_sha256_hex("index", 5, sha);
    for (int pass = 0; pass < 2; pass++)
        if (ff_bands_parse(s, "fuzz", pass ? sha : NULL, &b, &e) == FF_OK) {
            volatile double sink = 0;
            for (int c = -1; c <= FF_BAND__COUNT; c++)
                for (int k = -1; k <= FF_T_RES; k++) {
                    double lo, hi;
                    ff_bands_interval(&b, c, k, 1234.5, &lo, &hi);
                    sink += lo + hi;
                }
            char *js = ff_bands_json(&b);
            ff_bands r;
            if (ff_bands_parse(js, "fuzz", NULL, &r, &e) != FF_OK)
                abort(); /* what it wrote it must read */
            free(js);
            (void)sink;
        }
    free(s);
    return 0;
}
