/* hmc_static.c — static HMC for gen_nuts_sample (GEN_ENGINE_HMC_STATIC, Stan's
 * `algorithm=hmc engine=static`): a fixed integration time, so the number of leapfrog
 * steps follows the step size that warm-up adapts, and one Metropolis accept at the end
 * of the trajectory. It shares NUTS's metric, step size, warm-up and workspace. */
#include <math.h>
#include <string.h>

#include "nuts_int.h"

static double hamiltonian(nuts *n, const hmc_point *x) {
    double h = -x->logp + hmc_kinetic(&n->m, x->p, n->v);
    return isnan(h) ? INFINITY : h;
}

/* A uniform in (0, 1) from key. */
static gen_status uniform(gen_key key, double *u) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *a = gen_random_uniform(key, GEN_F64, 0, NULL);
    if (a) *u = *(const double *)gen_array_data(a);
    else s = infer_pending();
    gen_scope_end();
    return s;
}

gen_status hmc_static_transition(nuts *n, hmc_point *x, gen_key key, double int_time, gen_nuts_stats *st) {
    int64_t d = n->d;
    double steps = floor(int_time / n->eps), cap = (double)(1 << GEN_NUTS_MAX_DEPTH);
    int64_t L = !(steps >= 1) ? 1 : steps > cap ? (int64_t)cap : (int64_t)steps; /* Stan: max(1, int(T / eps)) */
    gen_status s = hmc_normals(gen_key_fold_in(key, 0), d, n->v);
    if (s != GEN_OK) return s;
    hmc_draw_momentum(&n->m, n->v, x->p);
    hmc_point *z = &n->z;
    memcpy(z->theta, x->theta, (size_t)d * sizeof(double));
    memcpy(z->p, x->p, (size_t)d * sizeof(double));
    memcpy(z->grad, x->grad, (size_t)d * sizeof(double));
    z->logp = x->logp;
    double H0 = hamiltonian(n, x);
    gen_divergence why = GEN_DIVERGENCE_NONE;
    int64_t done = 0;
    for (; done < L && why == GEN_DIVERGENCE_NONE; done++)
        if ((s = hmc_leapfrog(n->t, &n->m, n->eps, z, n->v, &why)) != GEN_OK) return s;
    double H = why == GEN_DIVERGENCE_NONE ? hamiltonian(n, z) : INFINITY;
    if (why == GEN_DIVERGENCE_NONE && H - H0 > 1000) why = GEN_DIVERGENCE_ENERGY;
    double accept = exp(H0 - H), u = 0;
    if (isnan(accept)) accept = 0;
    if (accept < 1 && (s = uniform(gen_key_fold_in(key, 1), &u)) != GEN_OK) return s;
    if (accept >= 1 || u < accept) {
        memcpy(x->theta, z->theta, (size_t)d * sizeof(double));
        memcpy(x->p, z->p, (size_t)d * sizeof(double));
        memcpy(x->grad, z->grad, (size_t)d * sizeof(double));
        x->logp = z->logp;
    }
    if (st)
        *st = (gen_nuts_stats){.logp = x->logp,
                               .accept_stat = accept < 1 ? accept : 1,
                               .step_size = n->eps,
                               .tree_depth = 0,
                               .n_leapfrog = (int)done,
                               .divergent = why != GEN_DIVERGENCE_NONE,
                               .energy = hamiltonian(n, x),
                               .divergence = why};
    return GEN_OK;
}
