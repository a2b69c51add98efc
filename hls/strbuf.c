/* Growable string buffer for the code emitters. */
#include "strbuf.h"

#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ff_sb_printf(ff_sb *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if (b->n + (size_t)n + 1 > b->cap) {
        b->cap = (b->n + (size_t)n + 1) * 2 + 4096;
        b->s = ff_realloc(b->s, b->cap);
    }
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)n;
}

void ff_sb_free(ff_sb *b)
{
    free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
}

const char *ff_sb_str(const ff_sb *b)
{
    return b->s ? b->s : "";
}
