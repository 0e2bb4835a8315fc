/* backend.h — the backend layer: the backends that implement the array layer's backend
 * interface (src/array/backend_api.h), and their registry (registry.c). Only code under
 * src/backend and tests include this header; nothing outside src/backend includes a
 * backend's internals (src/backend/cpu/). */
#ifndef GENC_SRC_BACKEND_H
#define GENC_SRC_BACKEND_H

#include "../array/backend_api.h"

/* The reference backend: host memory, every op (cpu/cpu_backend.c). */
extern const backend cpu_backend;

/* Adds b to the registry as the next device: sets b->device and returns it; -1 with
 * GEN_ERR_UNSUPPORTED when the registry is full (ARR_MAX_BACKENDS). For the CUDA
 * backend (a later issue) and for tests (a second backend that counts its kernels). Not
 * thread-safe: register before arrays are made on other threads. b must outlive every
 * array made on it. */
int backend_register(backend *b);

/* Records GEN_ERR_LINALG for a factorization that failed on matrix flat of x (whose
 * axes but the last mdims are batch axes), as every backend words it: "<op>: the matrix
 * <what><detail>)" for a single matrix, "<op>: the matrix at batch index [1,0] (batch
 * shape [2,3]) <what><detail>)" in a batch (linalg_fail.c). Returns the status. */
gen_status backend_linalg_fail(const char *op, const gen_array *x, int mdims, int64_t flat, const char *what,
                               long long detail);

#endif
