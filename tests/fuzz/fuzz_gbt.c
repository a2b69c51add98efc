/* libFuzzer target: the XGBoost JSON model parser of the learned surrogate
 * (surrogates/gbt.c; a model directory is outside input: --surrogate DIR,
 * $FOGFORGE_SURROGATE), then tree walks over whatever it accepted, with
 * feature vectors taken from the input and with NaN (missing) features. */
#include "gbt.h"
#include "surrogate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    int nf = ff_surrogate_nfeat();
    ff_gbt *m = NULL;
    ff_err e;
    if (ff_gbt_parse(s, "fuzz", nf, &m, &e) == FF_OK) {
        float *x = calloc((size_t)nf, sizeof *x);
        volatile double sink = ff_gbt_predict(m, x);
        for (int i = 0; i < nf; i++)
            x[i] = (float)((i < (int)size ? data[i] : 0) - 128) * 100.0f;
        sink += ff_gbt_predict(m, x);
        for (int i = 0; i < nf; i++)
            x[i] = NAN;
        sink += ff_gbt_predict(m, x);
        (void)sink;
        free(x);
        ff_gbt_free(m);
    }
    free(s);
    return 0;
}
