/* cuda_profile.c — a profile of the work a program queues on its GPUs, for speed work
 * without a system profiler (GENC_CUDA_PROFILE set, read once when the first GPU is
 * opened). Each piece of work (an op's kernel, a draw, a compiled kernel, a copy, a
 * fill, a wait) is timed twice: on the host (the call) and on the device (CUDA events
 * recorded before and after it on the device's stream). Memory calls are counted with
 * their host time. At exit it prints to stderr, per kind of work, the count and the
 * device and host times, then a timeline of the last works (GENC_CUDA_PROFILE=K: the
 * last K, default 40) with each one's start on the host and on the device, so gaps where
 * the device waits for the host show. Events are recycled through a ring: a record is
 * read (its events waited for) when the ring comes round to it, long after it ran. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_int.h"

#define RING 1024    /* records in flight (and the timeline's longest) */
#define MAX_KINDS 512

typedef struct record {
    const char *what;
    double h0, h1; /* host seconds at the call and its return */
    cudaEvent_t e0, e1;
    cudaStream_t stream;
    bool used;
} record;

typedef struct kind {
    const char *what;
    long calls;
    double device_ms, host_ms;
} kind;

typedef struct counter {
    long calls;
    double bytes, host_ms;
} counter;

bool cuda_profiling;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static record ring[RING];
static long n_records; /* ever started */
static kind kinds[MAX_KINDS];
static int n_kinds;
static counter counters[CUDA_PROF_COUNTERS];
static int timeline = 40;
static double t_start;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cuda_profile_now(void) { return cuda_profiling ? now() : 0; }

static kind *kind_of(const char *what) {
    for (int i = 0; i < n_kinds; i++)
        if (kinds[i].what == what || !strcmp(kinds[i].what, what)) return &kinds[i];
    if (n_kinds == MAX_KINDS) return &kinds[MAX_KINDS - 1];
    kinds[n_kinds].what = what;
    return &kinds[n_kinds++];
}

/* Adds record r (done) to its kind's totals. */
static void settle(record *r) {
    if (!r->used) return;
    float ms = 0;
    cudaEventSynchronize(r->e1);
    if (cudaEventElapsedTime(&ms, r->e0, r->e1) != cudaSuccess) {
        cudaGetLastError();
        ms = 0;
    }
    kind *k = kind_of(r->what);
    k->calls++;
    k->device_ms += ms;
    k->host_ms += (r->h1 - r->h0) * 1e3;
    r->used = false;
}

void *cuda_profile_begin(const backend *be, const char *what) {
    pthread_mutex_lock(&lock);
    record *r = &ring[n_records % RING];
    n_records++;
    settle(r);
    r->what = what;
    r->used = true;
    r->h0 = now();
    r->stream = (cudaStream_t)be->queue;
    cudaSetDevice(be->ordinal);
    cudaEventRecord(r->e0, r->stream);
    pthread_mutex_unlock(&lock);
    return r;
}

void cuda_profile_end(void *mark) {
    record *r = mark;
    pthread_mutex_lock(&lock);
    cudaEventRecord(r->e1, r->stream);
    r->h1 = now();
    pthread_mutex_unlock(&lock);
}

void cuda_profile_count(cuda_prof_counter c, size_t bytes, double t0) {
    double t1 = now();
    pthread_mutex_lock(&lock);
    counters[c].calls++;
    counters[c].bytes += (double)bytes;
    counters[c].host_ms += (t1 - t0) * 1e3;
    pthread_mutex_unlock(&lock);
}

static int by_device_time(const void *a, const void *b) {
    const kind *x = a, *y = b;
    return (x->device_ms < y->device_ms) - (x->device_ms > y->device_ms);
}

/* The timeline of the last records (before they are settled), then the totals. */
static void report(void) {
    pthread_mutex_lock(&lock);
    long n = n_records < RING ? n_records : RING, show = n < timeline ? n : timeline;
    fprintf(stderr, "genc: CUDA profile (%ld works queued, %.3f s since the first GPU was opened)\n", n_records,
            now() - t_start);
    if (show > 0) {
        fprintf(stderr, "  the last %ld works: host start, host call, device start, device time (ms from the first shown)\n",
                show);
        const record *first = &ring[(n_records - show) % RING];
        cudaEventSynchronize(ring[(n_records - 1) % RING].e1);
        for (long i = n_records - show; i < n_records; i++) {
            const record *r = &ring[i % RING];
            float d0 = 0, dt = 0;
            cudaEventElapsedTime(&d0, first->e0, r->e0);
            cudaEventElapsedTime(&dt, r->e0, r->e1);
            cudaGetLastError();
            fprintf(stderr, "  %9.4f %8.4f  | %9.4f %8.4f  %s\n", (r->h0 - first->h0) * 1e3, (r->h1 - r->h0) * 1e3,
                    (double)d0, (double)dt, r->what);
        }
    }
    for (long i = 0; i < n; i++) settle(&ring[i]);
    qsort(kinds, (size_t)n_kinds, sizeof *kinds, by_device_time);
    fprintf(stderr, "  %-28s %9s %12s %10s %12s\n", "work", "calls", "device ms", "us/call", "host ms");
    for (int i = 0; i < n_kinds; i++)
        fprintf(stderr, "  %-28s %9ld %12.3f %10.2f %12.3f\n", kinds[i].what, kinds[i].calls, kinds[i].device_ms,
                1e3 * kinds[i].device_ms / (double)kinds[i].calls, kinds[i].host_ms);
    static const char *names[CUDA_PROF_COUNTERS] = {"alloc", "free", "to_host (waits)", "from_host", "synchronize"};
    for (int c = 0; c < CUDA_PROF_COUNTERS; c++)
        if (counters[c].calls)
            fprintf(stderr, "  %-28s %9ld %12s %10s %12.3f   %.0f bytes\n", names[c], counters[c].calls, "", "",
                    counters[c].host_ms, counters[c].bytes);
    pthread_mutex_unlock(&lock);
}

void cuda_profile_init(void) {
    const char *v = getenv("GENC_CUDA_PROFILE");
    if (!v || !*v || !strcmp(v, "0")) return;
    int k = atoi(v);
    if (k > 1) timeline = k < RING ? k : RING;
    for (int i = 0; i < RING; i++)
        if (cudaEventCreate(&ring[i].e0) != cudaSuccess || cudaEventCreate(&ring[i].e1) != cudaSuccess) {
            cudaGetLastError();
            fprintf(stderr, "genc: GENC_CUDA_PROFILE: CUDA events could not be made; no profile\n");
            return;
        }
    t_start = now();
    cuda_profiling = true;
    atexit(report);
}
