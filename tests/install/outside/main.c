/* main.c — the outside project of tests/install/run.sh: a program built against an
 * installed GenC (pkg-config genc, or find_package(genc)). It prints the log density of
 * normal(0, 1) at 1 from the library and the number it must equal. */
#include <math.h>
#include <stdio.h>

#include "genc.h"

int main(void) {
    gen_scope_begin();
    gen_array *lp = gen_dist_logpdf(gen_normal(gen_scalar(0), gen_scalar(1)), gen_scalar(1));
    double v = 0;
    if (!lp || gen_item(lp, &v) != GEN_OK) {
        fprintf(stderr, "outside: %s\n", gen_error_message());
        return 1;
    }
    gen_scope_end();
    printf("logpdf %.12f\n", v);
    printf("expect %.12f\n", -0.5 - 0.5 * log(2 * acos(-1.0)));
    return 0;
}
