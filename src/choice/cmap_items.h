/* cmap_items.h — building a choice map in one pass from a list of entries whose
 * addresses are known to be distinct and prefix-free (the records of a dynamic DSL run):
 * no builder tree, one allocation per node of the result. Internal to GenC (the dsl
 * layer uses it); prefix cm_. */
#ifndef GENC_SRC_CHOICE_CMAP_ITEMS_H
#define GENC_SRC_CHOICE_CMAP_ITEMS_H

#include "genc/choice.h"

/* A value or a submap at addr (all borrowed). */
typedef struct cm_item {
    const gen_addr *addr;
    const gen_array *value;   /* the value, or NULL for sub */
    const gen_choicemap *sub; /* a submap (may be empty: contributes nothing) */
} cm_item;

/* The map of the n items (published like any new map), sorting items in place by
 * address if they are not in order already. No address may repeat or be a prefix of
 * another (GEN_ERR_VALUE naming it); an item at the root address is the whole map (a
 * leaf: a distribution used as a generative function). NULL on error. */
gen_choicemap *cm_from_items(cm_item *items, int64_t n);

#endif
