/* fuzz_array_ops.c — libFuzzer harness: sequences of array operations (array_vm.h).
 *
 * The first byte chooses how the program runs (bits, combined freely):
 *   1  with a failing allocator: allocation k fails (k from the next two bytes), and
 *      with bit 8 every allocation after it too;
 *   2  in batched mode, with 1 + (byte >> 4) % 4 particles;
 *   4  as the closure of an autodiff transform (the program's first op makes the primal;
 *      the transform's kind comes from the next bytes, see vm_transform).
 * The rest is the program. After it: every scope and mode it opened is closed, GenC
 * still computes (with the allocator failing no more) and nothing stays allocated. */
#include "array_vm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in hdr = {data, size, 0};
    uint8_t mode = fz_u8(&hdr);
    fz_alloc_reset();
    if (mode & 1) {
        fz_mem.fail_at = fz_u16(&hdr) % 4096;
        fz_mem.fail_after = (mode & 8) != 0;
    }
    gen_error_clear();
    FZ_CHECK(gen_scope_begin() == GEN_OK, "gen_scope_begin");
    int batched = (mode & 2) && gen_batch_begin(1 + (mode >> 4) % 4) == GEN_OK;
    int budget = 256;
    vm m;
    vm_init(&m, data + hdr.i, size - hdr.i, &budget, 0);
    if (mode & 4) {
        vm_op(&m, OP_FROM);
        vm_transform(&m, true);
    }
    vm_run(&m);
    if (batched) gen_batch_end();
    FZ_CHECK(gen_scope_end() == GEN_OK, "gen_scope_end");
    fz_check_still_works("fuzz_array_ops");
    return 0;
}
