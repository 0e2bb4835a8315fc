# nutpie_gp_pois.py — nutpie (PyMC model) on posteriordb's gp_pois_regr: divergences, leapfrog steps
# per draw, final step sizes and min bulk ESS for the diagonal and low-rank metrics, 4 chains
# x (1000 + 1000), seeds 1-3, one core (docs/inference.md, "Why gp_pois_regr diverges").
#   python3 bench/peers/nutpie_gp_pois.py [POSTERIORDB_DIR]
import json, sys, time
import numpy as np, pymc as pm, pytensor.tensor as pt, nutpie, arviz as az
d = json.load(open((sys.argv[1] if len(sys.argv) > 1 else '/work/shared/posteriordb') + '/gp_pois_regr-gp_pois_regr/data.json'))
x = np.array(d['x'], float); k = np.array(d['k']); N = len(x)
with pm.Model() as m:
    rho = pm.Gamma('rho', 25, 4)
    alpha = pm.HalfNormal('alpha', 2)
    ft = pm.Normal('f_tilde', 0, 1, shape=N)
    cov = alpha**2 * pt.exp(-0.5 * (x[:, None] - x[None, :])**2 / rho**2) + 1e-10 * np.eye(N)
    L = pt.linalg.cholesky(cov)
    f = pm.Deterministic('f', L @ ft)
    pm.Poisson('k', pt.exp(f), observed=k)
c = nutpie.compile_pymc_model(m)
for lr in (False, True):
    for seed in (1, 2, 3):
        t = time.time()
        tr = nutpie.sample(c, chains=4, tune=1000, draws=1000, seed=seed, cores=1, progress_bar=False, low_rank_modified_mass_matrix=lr)
        s = tr.sample_stats
        div = int(s['diverging'].sum()); nsteps = float(s['n_steps'].mean())
        ess = az.ess(tr, var_names=['rho', 'alpha', 'f'], method='bulk')
        mess = min(float(ess[v].min()) for v in ['rho', 'alpha', 'f'])
        print(json.dumps({'lowrank': lr, 'seed': seed, 'divergent': div, 'leapfrog_per_draw': nsteps, 'min_ess_bulk': mess,
                          'step': [float(v) for v in s['step_size_bar'].isel(draw=-1).values], 's': time.time() - t}), flush=True)
