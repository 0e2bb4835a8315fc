/* report_buf.c — the tools' growable text buffer (text_buf.h), which the report and the
 * data writer build their text in: appending, printf, and escaping text for HTML and SVG. */
#include <stdio.h>
#include <string.h>

#include "report_int.h"

void rep_buf_free(rep_buf *b) {
    if (b->s) core_free(b->s, b->cap);
    *b = (rep_buf){0};
}

/* Room for n more bytes and the NUL. */
static bool reserve(rep_buf *b, size_t n) {
    if (b->failed) return false;
    if (b->len + n + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *s = core_realloc(b->s, b->cap, cap);
    if (!s) {
        b->failed = true;
        return false;
    }
    b->s = s, b->cap = cap;
    return true;
}

static void put(rep_buf *b, const char *s, size_t n) {
    if (!reserve(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rep_puts(rep_buf *b, const char *s) { put(b, s, strlen(s)); }

void rep_printf(rep_buf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        put(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rep_escape(rep_buf *b, const char *s) {
    const char *run = s;
    for (; *s; s++) {
        const char *ref = NULL;
        switch (*s) {
        case '&': ref = "&amp;"; break;
        case '<': ref = "&lt;"; break;
        case '>': ref = "&gt;"; break;
        case '"': ref = "&quot;"; break;
        case '\'': ref = "&#39;"; break;
        default: break;
        }
        if (!ref) continue;
        put(b, run, (size_t)(s - run));
        rep_puts(b, ref);
        run = s + 1;
    }
    put(b, run, (size_t)(s - run));
}
