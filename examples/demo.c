/* demo.c — placeholder demo (replaced below). */
#include "genc.h"
int main(void) { return 0; }
