/* uc.c — the thread's unconstrained-assess state (see gfi_int.h). */
#include "gfi_int.h"

_Thread_local gfi_uc_state gfi_uc;
