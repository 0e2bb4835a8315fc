# run_pdb_ports.R — the Stan side of bench/run_pdb_ports.sh: for each ported posterior,
# posteriordb's Stan program (bench/stan/ports/<posterior>.stan) on the same data
# (tests/data/posteriordb/<posterior>/data.json) with Stan's defaults (diagonal metric,
# adapt_delta 0.8, max depth 10, init uniform(-2, 2)) through rstan, chains one after
# another on one core; prints one JSON line per posterior: the smallest bulk ESS over the
# reference parameters, warm-up and sampling seconds (summed over chains), leapfrog steps
# per draw, divergences, and how many parameters match the reference by the ports'
# criterion (mean within 5 MCSE, sd / sqrt(bulk ESS) with the reference's sd / 100, and sd
# within 10%).
#   Rscript bench/stan/run_pdb_ports.R DATA_DIR CHAINS WARMUP DRAWS [NAME...]
suppressMessages({library(rstan); library(jsonlite)})
rstan_options(auto_write = TRUE)
# Debian's r-cran-bh is virtual: Boost's headers are the system's
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; chains <- as.integer(args[2]); warmup <- as.integer(args[3]); draws <- as.integer(args[4])
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
names <- if (length(args) > 4) args[-(1:4)] else sub("\\.stan$", "", list.files(file.path(here, "ports"), "\\.stan$"))
for (name in names) {
  data <- fromJSON(file.path(dir, name, "data.json"))
  model <- suppressMessages(stan_model(file.path(here, "ports", paste0(name, ".stan")), model_name = make.names(name)))
  fit <- sampling(model, data = data, chains = chains, warmup = warmup, iter = warmup + draws,
                  cores = 1, refresh = 0, seed = 1, init = 2)
  ref <- fromJSON(file.path(dir, name, "reference.json"))
  sims <- as.array(fit)
  match <- 0
  ess <- sapply(names(ref$params), function(p) {
    x <- sims[, , p]; e <- ess_bulk(x); r <- ref$params[[p]]
    se <- sqrt(sd(x)^2 / e + r$sd^2 / 10000)
    if (abs(mean(x) - r$mean) < 5 * se && abs(sd(x) / r$sd - 1) < 0.1) match <<- match + 1
    e
  })
  t <- get_elapsed_time(fit)
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  leap <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
  div <- sum(sapply(sp, function(s) sum(s[, "divergent__"])))
  cat(toJSON(list(peer = "stan", posterior = name, min_ess_bulk = min(ess),
                  warmup_s = sum(t[, "warmup"]), sampling_s = sum(t[, "sample"]),
                  leapfrog_per_draw = leap / (chains * draws), divergent = div,
                  match = match, params = length(ess)), auto_unbox = TRUE, digits = 8), "\n")
}
