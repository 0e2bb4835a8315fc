/* tmpdir.h — a test's own folder under /tmp (a cache folder it points GENC_CACHE_DIR at). */
#ifndef GENC_TESTUTIL_TMPDIR_H
#define GENC_TESTUTIL_TMPDIR_H

/* The files of dir whose names end in suffix. */
int tmpdir_count(const char *dir, const char *suffix);
/* Removes the files of dir whose names end in suffix ("" for all); how many. */
int tmpdir_unlink(const char *dir, const char *suffix);
/* Removes the files of dir (not folders in it), then dir. */
void tmpdir_remove(const char *dir);

#endif
