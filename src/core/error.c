/* error.c — the thread-local error slot: status, message and source location. */
#include <stdio.h>
#include <string.h>

#include "core.h"

#define ERROR_MSG_MAX CORE_ERROR_MSG_MAX

static _Thread_local core_error_saved err_slot;

static void record(const char *file, int line, gen_status s, const char *fmt, va_list ap) {
    err_slot.status = s;
    err_slot.mark = CORE_REJECT_NONE;
    err_slot.seq++;
    vsnprintf(err_slot.msg, sizeof err_slot.msg, fmt, ap);
    const char *base = file ? strrchr(file, '/') : NULL;
    snprintf(err_slot.loc, sizeof err_slot.loc, "%s:%d", base ? base + 1 : (file ? file : "?"),
             line);
}

gen_status core_error_at(const char *file, int line, gen_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    record(file, line, s, fmt, ap);
    va_end(ap);
    return s;
}

gen_status gen_error_set(gen_status s, const char *fmt, ...) {
    if (!fmt) return GEN_FAIL(GEN_ERR_MISUSE, "gen_error_set: fmt is NULL (the error to record was %s)", gen_status_name(s));
    va_list ap;
    va_start(ap, fmt);
    record("user", 0, s, fmt, ap);
    va_end(ap);
    return s;
}

void core_error_prefix(const char *fmt, ...) {
    char prefix[ERROR_MSG_MAX], old[ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err_slot.msg, sizeof old);
    size_t n = strlen(prefix);
    if (n + 2 >= sizeof err_slot.msg) n = sizeof err_slot.msg - 3;
    memcpy(err_slot.msg, prefix, n);
    memcpy(err_slot.msg + n, ": ", 2);
    size_t room = sizeof err_slot.msg - n - 3, m = strlen(old);
    if (m > room) m = room;
    memcpy(err_slot.msg + n + 2, old, m);
    err_slot.msg[n + 2 + m] = '\0';
}

gen_status core_error_pending(void) { return err_slot.status; }
void core_error_save(core_error_saved *e) { *e = err_slot; }
void core_error_restore(const core_error_saved *e) { err_slot = *e; }

gen_status core_error_mark(core_reject why) {
    if (err_slot.status != GEN_OK) err_slot.mark = why;
    return err_slot.status;
}

core_reject core_error_marked(void) { return err_slot.status != GEN_OK ? err_slot.mark : CORE_REJECT_NONE; }
unsigned core_error_seq(void) { return err_slot.seq; }
gen_status gen_error_status(void) { return err_slot.status; }
const char *gen_error_message(void) { return err_slot.msg; }
const char *gen_error_location(void) { return err_slot.loc; }

void gen_error_clear(void) {
    err_slot.status = GEN_OK;
    err_slot.mark = CORE_REJECT_NONE;
    err_slot.seq++; /* what was recorded is gone */
    err_slot.msg[0] = '\0';
    err_slot.loc[0] = '\0';
}

const char *gen_status_name(gen_status s) {
    switch (s) {
    case GEN_OK: return "GEN_OK";
    case GEN_ERR_SHAPE: return "GEN_ERR_SHAPE";
    case GEN_ERR_DTYPE: return "GEN_ERR_DTYPE";
    case GEN_ERR_VALUE: return "GEN_ERR_VALUE";
    case GEN_ERR_INDEX: return "GEN_ERR_INDEX";
    case GEN_ERR_OOM: return "GEN_ERR_OOM";
    case GEN_ERR_NOGRAD: return "GEN_ERR_NOGRAD";
    case GEN_ERR_LINALG: return "GEN_ERR_LINALG";
    case GEN_ERR_MISUSE: return "GEN_ERR_MISUSE";
    case GEN_ERR_UNSUPPORTED: return "GEN_ERR_UNSUPPORTED";
    case GEN_ERR_CALLBACK: return "GEN_ERR_CALLBACK";
    case GEN_ERR_INTERNAL: return "GEN_ERR_INTERNAL";
    case GEN_CANCELLED: return "GEN_CANCELLED";
    }
    return "GEN_ERR_UNKNOWN";
}
