/* common.c — timing helpers shared by the benchmarks (see common.h). */
