/* libFuzzer target: the .ffq reader; a model it accepts must also run. */
#include "ffq.h"
#include "exec.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    ff_qmodel *q;
    ff_err e;
    if (ff_ffq_parse(s, "fuzz.ffq", &q, &e) == FF_OK) {
        int64_t in = ff_graph_in_size(q->g), out = ff_graph_out_size(q->g);
        if (in <= 4096 && out <= 4096) {
            int32_t *x = calloc((size_t)in, sizeof *x), *y = calloc((size_t)out, sizeof *y);
            ff_qplan *p = ff_qplan_new(q);
            ff_qplan_run(p, x, y);
            ff_qplan_free(p);
            free(x);
            free(y);
        }
        ff_qmodel_free(q);
    }
    free(s);
    return 0;
}
