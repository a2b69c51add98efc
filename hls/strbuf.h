/* A growable string the emitters print generated code into. */
#ifndef FF_STRBUF_H
#define FF_STRBUF_H
#include <stddef.h>

typedef struct ff_sb {
    char *s; /* NUL-terminated once anything was printed; NULL before */
    size_t n, cap;
} ff_sb;

void ff_sb_printf(ff_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ff_sb_free(ff_sb *b);
/* The text so far ("" when empty). */
const char *ff_sb_str(const ff_sb *b);
#endif
