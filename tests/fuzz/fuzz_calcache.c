/* libFuzzer target: the calibration cache file (hls/calcache.c, estimate's;
 * it lives in the user's cache directory, where anything may have written
 * it), under its own key and under another; what it accepts it writes back
 * byte for byte. */
#include "calcache.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char key[65], other[65];
    ff_sha256_hex("key", 3, key);
    ff_sha256_hex("other", 5, other);
    for (int pass = 0; pass < 2; pass++) {
        ff_calib_ranges r;
        if (!ff_calib_cache_parse((const char *)data, size, pass ? other : key, &r))
            continue;
        size_t len;
        char *b = ff_calib_cache_bytes(pass ? other : key, &r, &len);
        if (len != size || memcmp(b, data, size))
            abort(); /* what it read it writes back */
        free(b);
        ff_calib_ranges_free(&r);
    }
    return 0;
}
