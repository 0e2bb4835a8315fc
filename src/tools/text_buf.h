/* text_buf.h — the tools' growable text buffer (report_buf.c): the HTML report and the
 * data writer (data.c) build their text in it. */
#ifndef GENC_SRC_TOOLS_TEXT_BUF_H
#define GENC_SRC_TOOLS_TEXT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/core.h"

/* Text grown as it is written (core_alloc'd); after a failed allocation it records
 * GEN_ERR_OOM once, keeps failed set and ignores further writes. */
typedef struct rep_buf {
    char *s; /* NUL-terminated (when not empty) */
    size_t len, cap;
    bool failed;
} rep_buf;
void rep_buf_free(rep_buf *b);
void rep_puts(rep_buf *b, const char *s);
void rep_printf(rep_buf *b, const char *fmt, ...) CORE_PRINTF(2, 3);
/* s with &, <, >, " and ' as character references (text and attribute values). */
void rep_escape(rep_buf *b, const char *s);

#endif
