# run_stan.R — the Stan side of bench/run_nuts.sh: for each posteriordb posterior, NUTS
# with Stan's defaults (diagonal metric, adapt_delta 0.8, max depth 10) through rstan,
# the same chains / warm-up / draws as bench_nuts, chains one after another on one core;
# prints one JSON line per posterior: the smallest bulk ESS over the parameters, warm-up
# and sampling seconds (summed over chains), and gradient evaluations per second
# (grad_log_prob in a loop, R call overhead included) and leapfrog steps (n_leapfrog__).
#   Rscript bench/stan/run_stan.R POSTERIORDB_DIR CHAINS WARMUP DRAWS [NAME...]
suppressMessages({library(rstan); library(jsonlite)})
rstan_options(auto_write = TRUE)
# Debian's r-cran-bh is virtual: Boost's headers are the system's
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; chains <- as.integer(args[2]); warmup <- as.integer(args[3]); draws <- as.integer(args[4])
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
names <- if (length(args) > 4) args[-(1:4)] else sub("\\.stan$", "", list.files(here, "\\.stan$"))
for (name in names) {
  data <- fromJSON(file.path(dir, name, "data.json"))
  if (name == "earnings-logearn_height") data$male <- NULL
  model <- suppressMessages(stan_model(file.path(here, paste0(name, ".stan")), model_name = make.names(name)))
  fit <- sampling(model, data = data, chains = chains, warmup = warmup, iter = warmup + draws,
                  cores = 1, refresh = 0, seed = 1, init = 2)
  ref <- fromJSON(file.path(dir, name, "reference.json"))
  sims <- as.array(fit)
  ess <- sapply(names(ref$params), function(p) ess_bulk(sims[, , p]))
  t <- get_elapsed_time(fit)
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  leap <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
  div <- sum(sapply(sp, function(s) sum(s[, "divergent__"])))
  spw <- get_sampler_params(fit, inc_warmup = TRUE)
  leap_all <- sum(sapply(spw, function(s) sum(s[, "n_leapfrog__"])))
  u <- unconstrain_pars(fit, get_inits(fit)[[1]])
  n <- 2000
  t0 <- proc.time()[["elapsed"]]
  for (i in 1:n) g <- grad_log_prob(fit, u)
  gps <- n / (proc.time()[["elapsed"]] - t0)
  cat(toJSON(list(peer = "stan", posterior = name, min_ess_bulk = min(ess),
                  warmup_s = sum(t[, "warmup"]), sampling_s = sum(t[, "sample"]),
                  leapfrog_sampling = leap, leapfrog_total = leap_all, divergent = div,
                  grad_per_s = gps), auto_unbox = TRUE, digits = 8), "\n")
}
