/*
 * What one L1 can make the PAPR nested API's L0 hold
 *
 * Every guest and vCPU that an L1 creates with H_GUEST_CREATE and
 * H_GUEST_CREATE_VCPU is state in QEMU's memory: without a bound, an L1
 * could make QEMU allocate gigabytes (4095 guests of 2048 vCPUs).  PAPR
 * gives the L0 a "Guest Management Space" for this, whose size and use
 * the L1 reads in the host-wide elements L0 Guest Heap Max and In-use;
 * its size is the machine property "nested-papr-heap-max", and a
 * creation that it cannot hold is answered H_NO_MEM, leaving everything
 * as it was.  Deleting guests gives their space back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/units.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_nested.h"
#include "hw/ppc/spapr_nested_heap.h"

/* About 8000 vCPUs: far beyond what an L1 runs, far below what hurts */
#define NESTED_HEAP_MAX_DEFAULT (16 * MiB)
/* One guest with one vCPU */
#define NESTED_HEAP_MAX_MIN (SPAPR_NESTED_HEAP_GUEST + SPAPR_NESTED_HEAP_VCPU)

static uint64_t nested_heap_inuse(SpaprMachineState *spapr)
{
    GHashTableIter iter;
    gpointer value;
    uint64_t inuse = 0;

    if (!spapr->nested.guests) {
        return 0;
    }
    g_hash_table_iter_init(&iter, spapr->nested.guests);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        SpaprMachineStateNestedGuest *guest = value;

        inuse += SPAPR_NESTED_HEAP_GUEST +
                 (uint64_t)guest->nr_vcpus * SPAPR_NESTED_HEAP_VCPU;
    }
    return inuse;
}

bool spapr_nested_heap_fits(SpaprMachineState *spapr, uint64_t bytes)
{
    return spapr->nested.l0_guest_heap_inuse + bytes <=
           spapr->nested.l0_guest_heap_max;
}

void spapr_nested_heap_update(SpaprMachineState *spapr)
{
    spapr->nested.l0_guest_heap_inuse = nested_heap_inuse(spapr);
}

static void nested_heap_max_get(Object *obj, Visitor *v, const char *name,
                                void *opaque, Error **errp)
{
    uint64_t value = SPAPR_MACHINE(obj)->nested.l0_guest_heap_max;

    visit_type_size(v, name, &value, errp);
}

static void nested_heap_max_set(Object *obj, Visitor *v, const char *name,
                                void *opaque, Error **errp)
{
    uint64_t value;

    if (!visit_type_size(v, name, &value, errp)) {
        return;
    }
    if (value < NESTED_HEAP_MAX_MIN) {
        error_setg(errp, "nested-papr-heap-max must be at least %" PRIu64
                   " bytes (one nested guest with one vCPU)",
                   (uint64_t)NESTED_HEAP_MAX_MIN);
        return;
    }
    SPAPR_MACHINE(obj)->nested.l0_guest_heap_max = value;
}

void spapr_nested_heap_class_init(ObjectClass *oc)
{
    ObjectProperty *op;

    op = object_class_property_add(oc, "nested-papr-heap-max", "size",
                                   nested_heap_max_get, nested_heap_max_set,
                                   NULL, NULL);
    object_property_set_default_uint(op, NESTED_HEAP_MAX_DEFAULT);
    object_class_property_set_description(oc, "nested-papr-heap-max",
        "With cap-nested-papr, the memory that the L1's nested guests and "
        "their vCPUs may hold in QEMU; beyond it, creating one fails with "
        "H_NO_MEM (default: 16M)");
}
