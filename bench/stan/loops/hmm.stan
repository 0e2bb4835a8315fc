// An HMM with K Gaussian states marginalized by the forward algorithm: posteriordb's
// hmm_example for K = 2 and mu_prior = (3, 10), with log(theta) and each state's emission
// density computed once per use instead of inside the innermost loop
// (examples/loops/loops.h: loops_hmm).
data {
  int<lower=1> N;
  int<lower=2> K;
  real y[N];
  real mu_prior[K];
}
parameters {
  simplex[K] theta[K];
  ordered[K] mu;
}
model {
  real log_theta[K, K];
  real acc[K];
  real gamma[N, K];
  for (j in 1:K)
    for (k in 1:K)
      log_theta[j, k] = log(theta[j, k]);
  for (k in 1:K)
    target += normal_lpdf(mu[k] | mu_prior[k], 1);
  for (k in 1:K)
    gamma[1, k] = normal_lpdf(y[1] | mu[k], 1);
  for (t in 2:N) {
    for (k in 1:K) {
      real lp = normal_lpdf(y[t] | mu[k], 1);
      for (j in 1:K)
        acc[j] = gamma[t - 1, j] + log_theta[j, k] + lp;
      gamma[t, k] = log_sum_exp(acc);
    }
  }
  target += log_sum_exp(gamma[N]);
}
