/* Helpers shared by the cmocka unit tests. */
#ifndef FF_TESTUTIL_H
#define FF_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

/* Directory of the repository's test models; tests run from a temp dir. */
static inline const char *ff_test_root(void)
{
    const char *r = getenv("ROOT");
    return r ? r : ".";
}
#endif
