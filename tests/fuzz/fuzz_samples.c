/* libFuzzer target: the sample-file parsers (text and .npy). */
#include "dataio.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ff_samples s;
    ff_err e;
    int64_t width = size ? (data[0] % 8) : 0; /* 0: take the file's width */
    if (ff_samples_parse_text((const char *)data, size, "fuzz", width, &s, &e) == FF_OK)
        ff_samples_free(&s);
    if (ff_samples_parse_npy(data, size, "fuzz.npy", width, &s, &e) == FF_OK)
        ff_samples_free(&s);
    return 0;
}
