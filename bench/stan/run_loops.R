# run_loops.R — the Stan side of bench/run_loops.sh (issue 13's scalar-loop models,
# bench/stan/loops/*.stan): for every case folder written by `bench_loops data DIR`
# (data.json, init.json, model), Stan's time per gradient measured two ways through rstan:
#  - in-run: one chain of NUTS (Stan's defaults, WARMUP + DRAWS iterations, from the init
#    values), its elapsed warm-up + sampling time over its leapfrog steps (n_leapfrog__),
#    i.e. one gradient plus the sampler's own work per step;
#  - R loop: grad_log_prob in a loop at the init point (the median over rounds), and the
#    same loop on a one-parameter model (the R call overhead) subtracted from it.
# It also writes, beside each case, data.R (R dump) and point.txt (the init point in Stan's
# unconstrained space), and in CACHE_DIR each model's C++ (NAME.cpp, stanc's generic output
# for the same program), for bench/stan/loops/grad_time.cpp, Stan's gradient timed in C++.
# One JSON line per case. Compiled models are cached in CACHE_DIR (NAME.rds).
#   Rscript bench/stan/run_loops.R CASES_DIR CACHE_DIR WARMUP DRAWS [REPS ROUNDS]
suppressMessages({library(rstan); library(jsonlite)})
# Debian's r-cran-bh is virtual: Boost's headers are the system's
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; cache <- args[2]; warmup <- as.integer(args[3]); draws <- as.integer(args[4])
reps <- if (length(args) > 4) as.integer(args[5]) else 2000L
rounds <- if (length(args) > 5) as.integer(args[6]) else 11L
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
dir.create(cache, showWarnings = FALSE, recursive = TRUE)

# The compiled model NAME (cached while the .stan file is older than the cache; loaded
# once per session: a second readRDS of a loaded model's DSO fails).
loaded <- new.env()
compiled <- function(name, code = NULL) {
  if (!is.null(loaded[[name]])) return(loaded[[name]])
  rds <- file.path(cache, paste0(name, ".rds"))
  src <- if (is.null(code)) file.path(here, "loops", paste0(name, ".stan")) else NULL
  fresh <- file.exists(rds) && (is.null(src) || file.mtime(rds) > file.mtime(src))
  m <- if (fresh) readRDS(rds) else {
    m <- if (is.null(src)) stan_model(model_code = code, model_name = name)
         else stan_model(src, model_name = name)
    saveRDS(m, rds)
    m
  }
  # the generic C++ of the same program (rstan's own takes its data from an R list)
  cpp <- file.path(cache, paste0(name, ".cpp"))
  if (!is.null(src) && (!fresh || !file.exists(cpp))) writeLines(stanc(src, model_name = name)$cppcode, cpp)
  loaded[[name]] <- m
  m
}

# Median seconds per grad_log_prob call over rounds of reps calls.
r_loop <- function(fit, u) {
  per <- numeric(rounds)
  for (i in 1:20) g <- grad_log_prob(fit, u)
  for (r in 1:rounds) {
    t0 <- as.numeric(Sys.time())
    for (i in 1:reps) g <- grad_log_prob(fit, u)
    per[r] <- (as.numeric(Sys.time()) - t0) / reps
  }
  median(per)
}

trivial <- compiled("loops_trivial", "parameters { real x; } model { x ~ normal(0, 1); }")
tfit <- suppressWarnings(sampling(trivial, chains = 1, iter = 20, warmup = 10, refresh = 0, seed = 1))
overhead <- r_loop(tfit, 0.5)

for (case in sort(list.files(dir))) {
  cdir <- file.path(dir, case)
  name <- readLines(file.path(cdir, "model"))
  data <- fromJSON(file.path(cdir, "data.json"))
  init <- fromJSON(file.path(cdir, "init.json"))
  model <- compiled(name)
  fit <- sampling(model, data = data, chains = 1, warmup = warmup, iter = warmup + draws,
                  cores = 1, refresh = 0, seed = 1, init = list(init))
  t <- get_elapsed_time(fit)
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  leap <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
  u <- unconstrain_pars(fit, init)
  rl <- r_loop(fit, u)
  stan_rdump(names(data), file.path(cdir, "data.R"), envir = list2env(data))
  writeLines(formatC(u, digits = 17, format = "g"), file.path(cdir, "point.txt"))
  cat(toJSON(list(bench = "loops", peer = "stan", case = case, model = name,
                  inrun_us_per_leapfrog = 1e6 * sum(t) / leap, leapfrogs = leap,
                  seconds = sum(t), rloop_us_per_grad = 1e6 * rl,
                  r_overhead_us = 1e6 * overhead, rloop_minus_overhead_us = 1e6 * (rl - overhead),
                  logp_propto = log_prob(fit, u)), auto_unbox = TRUE, digits = 10), "\n")
}
