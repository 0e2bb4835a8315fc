# run_advi.R — the Stan side of bench/run_advi.sh: ADVI (rstan's vb, mean-field) on eight
# schools (non-centered) from posteriordb: REPS runs with Stan's defaults (eta adaptation,
# grad_samples 1, elbo_samples 100, eval_elbo 100, tol_rel_obj 0.01, 1000 draws), seeds
# 1..REPS: median wall time of vb (the model compiled beforehand) and iterations to
# convergence (the last row of Stan's ELBO table), the posterior means of mu and tau from
# the draws; then REPS runs of 10000 iterations with eta 1, no adaptation and no
# convergence stop (tol_rel_obj 1e-12): median iterations per second. One JSON line.
#   Rscript bench/stan/run_advi.R POSTERIORDB_DIR [REPS]
suppressMessages({library(rstan); library(jsonlite)})
rstan_options(auto_write = TRUE)
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; reps <- if (length(args) > 1) as.integer(args[2]) else 11L
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
name <- "eight_schools-eight_schools_noncentered"
data <- fromJSON(file.path(dir, name, "data.json"))
model <- suppressMessages(stan_model(file.path(here, paste0(name, ".stan")), model_name = "eight_schools"))
run <- function(...) {
  out <- NULL
  t <- system.time(out <- capture.output(fit <- vb(model, data = data, algorithm = "meanfield",
                                                    output_samples = 1000, refresh = 100, ...),
                                         type = "output"))[["elapsed"]]
  # the ELBO table's rows: "   iter   ELBO   delta_mean   delta_med   notes"
  out <- sub("^Chain [0-9]+: ", "", out)
  rows <- grep("^ +[0-9]+ +-?[0-9.]+ +[0-9.]+ +[0-9.]+", out, value = TRUE)
  iters <- if (length(rows)) as.numeric(strsplit(trimws(tail(rows, 1)), " +")[[1]][1]) else NA
  s <- as.matrix(fit)
  list(t = t, iters = iters, conv = any(grepl("CONVERGED", out)), mu = mean(s[, "mu"]), tau = mean(s[, "tau"]))
}
invisible(run(seed = 1000)) # warm-up (first call's loading)
d <- lapply(seq_len(reps), function(i) run(seed = i))
f <- lapply(seq_len(reps), function(i) run(seed = i, iter = 10000, eta = 1, adapt_engaged = FALSE,
                                            tol_rel_obj = 1e-12))
cat(toJSON(list(peer = "stan", converge_s = median(sapply(d, `[[`, "t")),
                iterations = median(sapply(d, `[[`, "iters")), converged = sum(sapply(d, `[[`, "conv")),
                reps = reps, iter_per_s = median(10000 / sapply(f, `[[`, "t")),
                mu = median(sapply(d, `[[`, "mu")), tau = median(sapply(d, `[[`, "tau"))),
          auto_unbox = TRUE, digits = 8), "\n")
