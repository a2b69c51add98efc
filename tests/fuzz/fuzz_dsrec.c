/* libFuzzer target: the surrogate dataset's line parser (one record of
 * designs.jsonl), then the features and both estimators' arithmetic on
 * whatever it accepted. */
#include "analytic.h"
#include "dsrec.h"
#include "surrogate.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ff_dsrec r;
    ff_err e;
    if (ff_dsrec_parse((const char *)data, size, &r, &e) == FF_OK) {
        float *x = malloc(sizeof(float) * (size_t)ff_surrogate_nfeat());
        ff_surrogate *s = ff_surrogate_analytic();
        double t[FF_T__COUNT];
        for (int i = 0; i < r.nl; i++)
            ff_surrogate_featvec(&r.l[i], x);
        ff_surrogate_network(s, r.l, r.nl, NULL, t);
        (void)ff_dsrec_depth(&r);
        ff_surrogate_free(s);
        free(x);
        ff_dsrec_free(&r);
    }
    return 0;
}
