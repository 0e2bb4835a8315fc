/* progress.c — the progress bar on stderr (drawn only when stderr is a terminal and the
 * run is not --quiet) and Ctrl-C: the first SIGINT asks the run to stop (the library's
 * progress callbacks and the tool's own loops then return false, the calls return what
 * they drew), a second one ends the program at once. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

static volatile sig_atomic_t stop_asked;
static bool bar_on, bar_drawn;
static pthread_mutex_t bar_lock = PTHREAD_MUTEX_INITIALIZER;
static char bar_label[64];
static int bar_chains;
static int64_t bar_total_each, *bar_done;
static double bar_last;

static void on_sigint(int sig) {
    if (stop_asked) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_asked = 1;
    static const char msg[] = "\ngenc: stopping (Ctrl-C again to quit at once); keeping the draws made\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
}

void tool_progress_init(bool quiet) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    bar_on = !quiet && isatty(2);
}

bool tool_stop_requested(void) { return stop_asked != 0; }

void tool_progress_start(const char *label, int n_chains, int64_t per_chain) {
    pthread_mutex_lock(&bar_lock);
    snprintf(bar_label, sizeof bar_label, "%s", label);
    free(bar_done);
    bar_chains = n_chains > 0 ? n_chains : 1;
    bar_done = calloc((size_t)bar_chains, sizeof *bar_done);
    bar_total_each = per_chain;
    bar_last = 0;
    pthread_mutex_unlock(&bar_lock);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Draws the bar (under bar_lock), at most 10 times a second unless final. */
static void draw(const char *phase, bool final) {
    if (!bar_on || !bar_done) return;
    double t = now();
    if (!final && t - bar_last < 0.1) return;
    bar_last = t;
    int64_t done = 0, total = bar_total_each * bar_chains;
    for (int c = 0; c < bar_chains; c++) done += bar_done[c];
    double frac = total > 0 ? (double)done / (double)total : 1;
    if (frac > 1) frac = 1;
    char bar[41];
    int filled = (int)(frac * 40);
    for (int i = 0; i < 40; i++) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[40] = 0;
    fprintf(stderr, "\r%-10s [%s] %3d%%  %-10s %d chain%s ", bar_label, bar, (int)(frac * 100), phase ? phase : "",
            bar_chains, bar_chains == 1 ? "" : "s");
    fflush(stderr);
    bar_drawn = true;
}

bool tool_progress_fn(void *ud, const gen_progress_info *info) {
    (void)ud;
    pthread_mutex_lock(&bar_lock);
    if (bar_done && info->chain >= 0 && info->chain < bar_chains) {
        bar_done[info->chain] = info->done;
        if (info->total > bar_total_each) bar_total_each = info->total;
    }
    draw(info->phase, false);
    pthread_mutex_unlock(&bar_lock);
    return !stop_asked;
}

bool tool_progress_step(int chain, const char *phase, int64_t done, int64_t total) {
    gen_progress_info info = {"genc", phase, chain, bar_chains, done, total};
    return tool_progress_fn(NULL, &info);
}

void tool_progress_end(void) {
    pthread_mutex_lock(&bar_lock);
    if (bar_drawn) {
        draw("done", true);
        fputc('\n', stderr);
        bar_drawn = false;
    }
    free(bar_done);
    bar_done = NULL;
    pthread_mutex_unlock(&bar_lock);
}
