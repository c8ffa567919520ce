/*
 * Values of guest state elements that the PAPR nested API's L0 can take
 *
 * The L1 hands the L0 guest state buffers with values of its choosing.
 * The functions that store some of them only handle what a well-behaved
 * L1 sends, so every value is checked here before any of a request is
 * applied.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_nested_gse.h"

/* The radix tree size that the partition-scoped table may have: 2^52 */
#define GSE_PAGETBL_RADIX_BITS 52
/* Its root page directory: RPDS from 5 to 31 */
#define GSE_PAGETBL_ROOT_SIZE_MIN (1ULL << 8)
#define GSE_PAGETBL_ROOT_SIZE_MAX (1ULL << 34)
/* The two process table sizes that PATE's PRTS can encode here */
#define GSE_PROCTBL_SIZE_MIN (1ULL << 12)
#define GSE_PROCTBL_SIZE_MAX (1ULL << 24)
/* The largest H_GUEST_RUN_VCPU buffer the PAPR allows */
#define GSE_RUN_BUFFER_SIZE_MAX 16384

bool spapr_nested_gse_value_ok(uint16_t id, const void *value)
{
    const uint8_t *v = value;

    switch (id) {
    case GSB_PART_SCOPED_PAGETBL:
        /*
         * base, radix tree size in bits, root page directory size: a
         * power of two that PATE's RPDS can encode (2^(RPDS + 3) bytes)
         */
        return ldq_be_p(v + 8) == GSE_PAGETBL_RADIX_BITS &&
               is_power_of_2(ldq_be_p(v + 16)) &&
               ldq_be_p(v + 16) >= GSE_PAGETBL_ROOT_SIZE_MIN &&
               ldq_be_p(v + 16) <= GSE_PAGETBL_ROOT_SIZE_MAX;
    case GSB_PROCESS_TBL:
        /* base, size */
        return ldq_be_p(v + 8) == GSE_PROCTBL_SIZE_MIN ||
               ldq_be_p(v + 8) == GSE_PROCTBL_SIZE_MAX;
    case GSB_VCPU_IN_BUFFER:
    case GSB_VCPU_OUT_BUFFER:
        /* address, size */
        return ldq_be_p(v) != 0 &&
               ldq_be_p(v + 8) >= VCPU_OUT_BUF_MIN_SZ &&
               ldq_be_p(v + 8) <= GSE_RUN_BUFFER_SIZE_MAX;
    default:
        return true;
    }
}

/*
 * These are stored encoded for the MMU or for the run hcall, and the L1
 * has no need to read them back.
 */
bool spapr_nested_gse_readable(uint16_t id)
{
    switch (id) {
    case GSB_PART_SCOPED_PAGETBL:
    case GSB_PROCESS_TBL:
    case GSB_VCPU_IN_BUFFER:
    case GSB_VCPU_OUT_BUFFER:
        return false;
    default:
        return true;
    }
}
