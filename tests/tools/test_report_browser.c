/* test_report_browser.c — the report in a real browser: examples/report_demo.c (NUTS on
 * eight schools, 4 chains) writes a report; headless Chromium loads it (no console
 * error, no failed load; the DOM holds every plot's <svg> and the page's last line) and
 * renders it to PNG; the PNG, decoded here with zlib, is not blank and its plots are
 * drawn: coloured pixels spread over many tiles of the page, in each chain's colour and
 * in the divergences' red. The same for a report the genc program writes (`genc run hmm`:
 * SMC, one chain, the ESS and log marginal likelihood series with the reference dashed):
 * no console error, the DOM holds every <svg> of the file, a trace per column, both
 * series and the dashed line; its screenshot is not blank, drawn in the chain's colour.
 * Skips (exit 77, with a message) where chromium is not installed (Debian: apt-get
 * install chromium; scripts/install-deps.sh installs it). GENC_CHROMIUM names another
 * browser binary; GENC_REPORT_KEEP=1 keeps the files and prints where. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef GENC_HAVE_ZLIB
#include <zlib.h>
#endif

#include "check.h"

static char DIR_[64];

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    if (len) *len = (size_t)n;
    fclose(f);
    return s;
}

static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

/* The browser: $GENC_CHROMIUM, else chromium or chromium-browser on the PATH. */
static const char *find_chromium(void) {
    static char buf[512];
    const char *env = getenv("GENC_CHROMIUM");
    if (env && *env) return access(env, X_OK) == 0 ? env : NULL;
    const char *path = getenv("PATH");
    const char *names[2] = {"chromium", "chromium-browser"};
    for (int k = 0; k < 2; k++)
        for (const char *p = path; p && *p;) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, names[k]);
            if (n && access(buf, X_OK) == 0) return buf;
            p = e ? e + 1 : NULL;
        }
    return NULL;
}

#ifdef GENC_HAVE_ZLIB
/* ---- a small PNG reader: 8-bit RGB or RGBA, not interlaced ---- */

typedef struct image {
    int w, h;
    unsigned char *rgb; /* w * h * 3 */
} image;

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* 0 on success, else a message in why. */
static int png_read(const char *path, image *img, char *why, size_t nwhy) {
    size_t len;
    unsigned char *f = (unsigned char *)slurp(path, &len);
    unsigned char *idat = NULL, *raw = NULL;
    int rc = 1;
    size_t nidat = 0;
    int w = 0, h = 0, ctype = -1, depth = 0, interlace = 0;
    if (!f || len < 8 || memcmp(f, "\x89PNG\r\n\x1a\n", 8) != 0) {
        snprintf(why, nwhy, "%s is not a PNG", path);
        goto out;
    }
    for (size_t p = 8; p + 12 <= len;) {
        uint32_t n = be32(f + p);
        const unsigned char *type = f + p + 4, *data = f + p + 8;
        if (p + 12 + n > len) break;
        if (memcmp(type, "IHDR", 4) == 0) {
            w = (int)be32(data), h = (int)be32(data + 4), depth = data[8], ctype = data[9], interlace = data[12];
        } else if (memcmp(type, "IDAT", 4) == 0) {
            unsigned char *t = realloc(idat, nidat + n);
            if (!t) goto out;
            idat = t;
            memcpy(idat + nidat, data, n);
            nidat += n;
        }
        p += 12 + n;
    }
    if (depth != 8 || (ctype != 2 && ctype != 6) || interlace || w <= 0 || h <= 0) {
        snprintf(why, nwhy, "unsupported PNG: %dx%d, depth %d, colour type %d, interlace %d", w, h, depth, ctype,
                 interlace);
        goto out;
    }
    int bpp = ctype == 6 ? 4 : 3;
    size_t stride = (size_t)w * bpp, need = (stride + 1) * (size_t)h;
    uLongf got = (uLongf)need;
    raw = malloc(need);
    if (!raw || uncompress(raw, &got, idat, (uLong)nidat) != Z_OK || got != need) {
        snprintf(why, nwhy, "the PNG's image data does not inflate to %zu bytes", need);
        goto out;
    }
    img->w = w, img->h = h;
    img->rgb = malloc((size_t)w * h * 3);
    unsigned char *prev = calloc(stride, 1), *cur = malloc(stride);
    for (int y = 0; y < h; y++) {
        int filter = raw[y * (stride + 1)];
        const unsigned char *in = raw + y * (stride + 1) + 1;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= (size_t)bpp ? prev[i - bpp] : 0;
            int pred = filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : filter == 4 ? paeth(a, b, c) : 0;
            cur[i] = (unsigned char)(in[i] + pred);
        }
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) img->rgb[((size_t)y * w + x) * 3 + k] = cur[(size_t)x * bpp + k];
        unsigned char *t = prev;
        prev = cur, cur = t;
    }
    free(prev);
    free(cur);
    rc = 0;
out:
    free(f);
    free(idat);
    free(raw);
    return rc;
}

/* The palette's colours (report_svg.c's chains 1-4, then the divergences' red). */
static const int PALETTE[5][3] = {{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0x94, 0x67, 0xbd},
                                  {0xd6, 0x27, 0x28}};

/* Which palette colour pixel p is, drawn at some opacity a in [0.35, 1] over white; -1
 * for none within a distance of 30. */
static int palette_of(const unsigned char *p) {
    int best = -1;
    double bestd = 30;
    for (int k = 0; k < 5; k++)
        for (double a = 0.35; a <= 1.0001; a += 0.05) {
            double d = 0;
            for (int c = 0; c < 3; c++) {
                double want = a * PALETTE[k][c] + (1 - a) * 255;
                d += (p[c] - want) * (p[c] - want);
            }
            if (sqrt(d) < bestd) bestd = sqrt(d), best = k;
        }
    return best;
}

/* demo: report_demo's page (4 chains, divergences); else genc's SMC page (one chain). */
static void check_png(const char *path, bool demo) {
    image img = {0};
    char why[256];
    check_count++;
    if (png_read(path, &img, why, sizeof why) != 0) {
        check_fail(__FILE__, __LINE__, "%s", why);
        return;
    }
    CHECK(img.w == 1200 && img.h == 4200);
    /* not blank; coloured (saturated) pixels in many 100 x 100 tiles; each palette colour */
    long nonwhite = 0, per[5] = {0};
    enum { T = 100 };
    int tw = (img.w + T - 1) / T, th = (img.h + T - 1) / T, coloured_tiles = 0;
    char *tile = calloc((size_t)tw * th, 1);
    for (int y = 0; y < img.h; y++)
        for (int x = 0; x < img.w; x++) {
            const unsigned char *p = img.rgb + ((size_t)y * img.w + x) * 3;
            int mx = p[0], mn = p[0];
            for (int c = 1; c < 3; c++) mx = p[c] > mx ? p[c] : mx, mn = p[c] < mn ? p[c] : mn;
            if (mn < 245) nonwhite++;
            if (mx - mn > 60) tile[(y / T) * tw + x / T] = 1;
            int k = mx - mn > 40 ? palette_of(p) : -1;
            if (k >= 0) per[k]++;
        }
    for (int i = 0; i < tw * th; i++) coloured_tiles += tile[i];
    printf("browser: %ld non-white pixels, %d of %d tiles coloured; chains %ld %ld %ld %ld px, red %ld px\n", nonwhite,
           coloured_tiles, tw * th, per[0], per[1], per[2], per[3], per[4]);
    CHECK(nonwhite > (long)img.w * img.h / 50);
    if (demo) {
        CHECK(coloured_tiles >= 60); /* 10 trace plots (6 x 2 tiles each), densities, pairs, series */
        for (int k = 0; k < 4; k++) CHECK(per[k] > 2000);
        CHECK(per[4] > 300);
    } else {
        CHECK(coloured_tiles >= 30); /* the first of its 40 trace plots and densities */
        CHECK(per[0] > 2000);
    }
    free(tile);
    free(img.rgb);
}
#endif

static int run(const char *cmd) {
    int rc = system(cmd);
    if (rc != 0) check_fail(__FILE__, __LINE__, "'%s' exited with %d", cmd, rc);
    return rc;
}

#ifdef GENC_HAVE_ZLIB
/* Loads html in headless Chromium twice (tag names the files): a screenshot into shot and
 * the DOM into dom (*rc_shot, *rc_dom: the runs' statuses); fails on any console message
 * or failed load in either run's log. */
static void browse(const char *chromium, const char *html, const char *tag, const char *shot, const char *dom,
                   int *rc_shot, int *rc_dom) {
    char cmd[4096], log1[128], log2[128];
    snprintf(log1, sizeof log1, "%s/%s-screenshot.log", DIR_, tag);
    snprintf(log2, sizeof log2, "%s/%s-dom.log", DIR_, tag);
    const char *flags = "--headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run "
                        "--disable-extensions --enable-logging=stderr --v=0";
    snprintf(cmd, sizeof cmd, "timeout 60 '%s' %s --user-data-dir='%s/%s-profile1' --window-size=1200,4200 "
             "--screenshot='%s' 'file://%s' > /dev/null 2> '%s'", chromium, flags, DIR_, tag, shot, html, log1);
    *rc_shot = run(cmd);
    snprintf(cmd, sizeof cmd, "timeout 60 '%s' %s --user-data-dir='%s/%s-profile2' --dump-dom 'file://%s' > '%s' 2> '%s'",
             chromium, flags, DIR_, tag, html, dom, log2);
    *rc_dom = run(cmd);
    /* no console message and no failed load in either run */
    const char *logs[2] = {log1, log2};
    for (int k = 0; k < 2; k++) {
        char *log = slurp(logs[k], NULL);
        CHECK(log != NULL);
        for (const char *line = log; line && *line;) {
            const char *e = strchr(line, '\n');
            int n = e ? (int)(e - line) : (int)strlen(line);
            char l[1024];
            snprintf(l, sizeof l, "%.*s", n, line);
            check_count++;
            if (strstr(l, "CONSOLE") || strstr(l, "Uncaught") || strstr(l, "net::ERR_") ||
                strstr(l, "Not allowed to load"))
                check_fail(__FILE__, __LINE__, "chromium (%s): %s", tag, l);
            line = e ? e + 1 : NULL;
        }
        free(log);
    }
}

/* report_demo's report. */
static void test_demo(const char *chromium) {
    char cmd[4096], html[128], shot[128], dom[128];
    snprintf(html, sizeof html, "%s/report.html", DIR_);
    snprintf(shot, sizeof shot, "%s/report.png", DIR_);
    snprintf(dom, sizeof dom, "%s/dom.html", DIR_);
    snprintf(cmd, sizeof cmd, "'%s' '%s' > /dev/null", GENC_REPORT_DEMO, html);
    if (run(cmd) != 0) return;
    int rc1 = 0, rc2 = 0;
    browse(chromium, html, "demo", shot, dom, &rc1, &rc2);
    if (rc2 == 0) {
        char *d = slurp(dom, NULL);
        CHECK(d != NULL);
        if (d) {
            /* 10 columns: 10 traces, 10 densities; a pair plot of 3: 3 densities and 3
             * scatters; one series */
            CHECK(count(d, "<svg ") == 27);
            CHECK(count(d, "class=\"trace\"") == 10 && count(d, "class=\"scatter\"") == 3);
            /* a line per chain in 10 traces, 10 densities and 3 diagonal densities, and
             * the series' line */
            CHECK(count(d, "<polyline") == 4 * 10 + 4 * 10 + 4 * 3 + 1);
            CHECK(strstr(d, "<script") == NULL && strstr(d, "src=") == NULL && strstr(d, "href=") == NULL);
            CHECK(strstr(d, "Made by GenC") != NULL);
            free(d);
        }
    }
    if (rc1 == 0) check_png(shot, true);
}

/* A report genc writes: SMC on the gallery's hmm. */
static void test_genc(const char *chromium) {
    char cmd[4096], outdir[128], html[160], shot[128], dom[128], json[160];
    snprintf(outdir, sizeof outdir, "%s/hmm", DIR_);
    snprintf(html, sizeof html, "%s/report.html", outdir);
    snprintf(json, sizeof json, "%s/draws.json", outdir);
    snprintf(shot, sizeof shot, "%s/genc.png", DIR_);
    snprintf(dom, sizeof dom, "%s/genc-dom.html", DIR_);
    snprintf(cmd, sizeof cmd, "GENC_CACHE_DIR='%s/cache' '%s' run hmm --algorithm smc --particles 200 --draws 100 "
             "--out '%s' -q", DIR_, GENC_TOOL_EXE, outdir);
    if (run(cmd) != 0) return;
    int rc1 = 0, rc2 = 0;
    browse(chromium, html, "genc", shot, dom, &rc1, &rc2);
    char *file = slurp(html, NULL), *js = slurp(json, NULL), *d = rc2 == 0 ? slurp(dom, NULL) : NULL;
    CHECK(file && js && d);
    if (file && js && d) {
        /* the columns draws.json names: "columns": ["0/z", ...] */
        const char *a = strstr(js, "\"columns\": ["), *e = a ? strchr(a, ']') : NULL;
        int quotes = 0;
        for (const char *p = a; a && e && p < e; p++) quotes += *p == '"';
        int cols = (quotes - 2) / 2;
        CHECK(cols > 0);
        /* every plot of the file is in the DOM: a trace per column, both series (the
         * reference dashed), a line per trace and per series */
        CHECK(count(file, "<svg ") > 2 * cols && count(d, "<svg ") == count(file, "<svg "));
        CHECK(count(d, "class=\"trace\"") == cols);
        CHECK(count(d, "<polyline") == count(file, "<polyline") && count(d, "<polyline") >= cols + 2);
        CHECK(count(d, "<section class=\"series\">") == 2);
        CHECK(strstr(d, "ESS per step") && strstr(d, "log marginal likelihood estimate after each step"));
        CHECK(strstr(d, "stroke-dasharray") != NULL);
        CHECK(strstr(d, "<script") == NULL && strstr(d, "Made by GenC") != NULL);
    }
    free(file);
    free(js);
    free(d);
    if (rc1 == 0) check_png(shot, false);
}
#endif

int main(void) {
    const char *chromium = find_chromium();
    if (!chromium) {
        printf("skipped: chromium not found (Debian: apt-get install chromium; or set GENC_CHROMIUM)\n");
        return 77;
    }
#ifndef GENC_HAVE_ZLIB
    printf("skipped: built without zlib (zlib1g-dev) to read the screenshot\n");
    return 77;
#else
    snprintf(DIR_, sizeof DIR_, "/tmp/genc_test_browser_XXXXXX");
    if (!mkdtemp(DIR_)) {
        perror("mkdtemp");
        return 1;
    }
    test_demo(chromium);
    test_genc(chromium);
    if (getenv("GENC_REPORT_KEEP")) {
        printf("browser: kept %s\n", DIR_);
    } else {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", DIR_);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", DIR_);
    }
    return check_finish();
#endif
}
