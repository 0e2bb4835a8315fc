/* main.c — the genc program: `genc run MODEL [options]`, `genc list`, `--help` everywhere
 * (docs/genc-tool.md). */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *f) {
    fputs("usage: genc COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  run MODEL [options]  run inference on a gallery model or a model file (genc run --help)\n"
          "  list                 list the gallery's models\n"
          "  --version            print GenC's version\n"
          "  --help, -h           this text\n"
          "\n"
          "docs/genc-tool.md describes model files, the options, the outputs and the exit statuses.\n",
          f);
}

static int cmd_list(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("usage: genc list\n\nLists the gallery's models (name and description); genc run NAME runs one.\n"
                 "Folders searched: $GENC_GALLERY, then the gallery (docs/genc-tool.md).");
            return TOOL_EXIT_OK;
        }
        fprintf(stderr, "genc list: unknown argument '%s' (genc list --help)\n", argv[i]);
        return TOOL_EXIT_USAGE;
    }
    tool_paths p;
    tool_paths_find(&p);
    puts("gallery models (genc run NAME):");
    tool_list_gallery(&p, stdout);
    return TOOL_EXIT_OK;
}

static bool run_algorithm(const tool_model *tm, const tool_opts *o, const char *alg, tool_result *r) {
    if (!strcmp(alg, "is")) return tool_run_is(tm, o, r);
    if (!strcmp(alg, "smc")) return tool_run_smc(tm, o, r);
    if (!strcmp(alg, "advi")) return tool_run_advi(tm, o, r);
    return tool_run_mcmc(tm, o, alg, r);
}

static int cmd_run(int argc, char **argv) {
    tool_opts o;
    bool help = false;
    if (!tool_parse_run(argc, argv, &o, &help)) return TOOL_EXIT_USAGE;
    if (help) {
        tool_usage_run(stdout);
        return TOOL_EXIT_OK;
    }
    tool_paths p;
    tool_paths_find(&p);
    char path[8400];
    if (!tool_model_path(&p, o.model, path, sizeof path)) {
        if (strchr(o.model, '/') || strstr(o.model, ".c"))
            fprintf(stderr, "genc run: no such model file: %s\n", o.model);
        else
            fprintf(stderr, "genc run: unknown model '%s': no file of that name and no gallery model. The gallery:\n",
                    o.model);
        tool_list_gallery(&p, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (!strcmp(o.device, "cuda")) {
        gen_device d = gen_device_cuda(0);
        if (d == GEN_DEVICE_NONE) {
            fprintf(stderr, "genc run: --device cuda: %s\n", gen_error_message());
            return TOOL_EXIT_FAIL;
        }
        gen_device_set_default(d);
    }
    tool_model tm;
    if (!tool_model_load(&p, path, o.data, &tm)) return TOOL_EXIT_FAIL;
    const char *alg = o.algorithm ? o.algorithm : gen_model_algorithm(tm.m);
    if (!tool_algorithm_known(alg)) {
        fprintf(stderr, "genc run: model '%s' asks for the algorithm '%s', which genc does not know\n", tm.info->name,
                alg);
        tool_model_free(&tm);
        return TOOL_EXIT_FAIL;
    }
    if (!strcmp(alg, "is") || !strcmp(alg, "smc") || !strcmp(alg, "advi")) o.chains = 1;
    char out[4200];
    if (o.out) snprintf(out, sizeof out, "%s", o.out);
    else snprintf(out, sizeof out, "genc-out/%s", tm.info->name);
    if (!o.quiet)
        fprintf(stderr, "genc: model %s (%s%s), %s, seed %llu\n", tm.info->name, path,
                tm.cached ? ", compiled earlier" : "", alg, (unsigned long long)o.seed);
    tool_progress_init(o.quiet);
    tool_result r = {.algorithm = alg};
    int status = TOOL_EXIT_FAIL;
    if (run_algorithm(&tm, &o, alg, &r) && tool_write_draws(out, &tm, &o, &r)) {
        char report[4300];
        snprintf(report, sizeof report, "%s/report.html", out);
        int rs = o.no_report ? TOOL_EXIT_OK : tool_write_report(report, &tm, &o, &r);
        if (!o.quiet) {
            tool_print_summary(stdout, &tm, &r);
            printf("draws: %s/draws.csv, %s/draws.json\n", out, out);
            if (!o.no_report && rs != TOOL_EXIT_FAIL) printf("report: %s\n", report);
        }
        status = rs != TOOL_EXIT_OK ? rs : r.cancelled ? TOOL_EXIT_INTERRUPTED : TOOL_EXIT_OK;
    }
    tool_result_free(&r);
    tool_model_free(&tm);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return TOOL_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("genc %s\n", GENC_TOOL_VERSION);
        return TOOL_EXIT_OK;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "list")) return cmd_list(argc - 2, argv + 2);
    fprintf(stderr, "genc: unknown command '%s'\n", cmd);
    usage(stderr);
    return TOOL_EXIT_USAGE;
}
