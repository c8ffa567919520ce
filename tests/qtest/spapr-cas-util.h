/*
 * ibm,client-architecture-support from qtests, through the "hcall"
 * qtest command
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef SPAPR_CAS_UTIL_H
#define SPAPR_CAS_UTIL_H

#include "libqtest.h"

#define SPAPR_CAS_FDT_BUF_ADDR 0x3000000
#define SPAPR_CAS_FDT_BUF_SIZE 0x100000

#define PVR_LOGICAL_POWER8 0x0f000004
#define PVR_LOGICAL_POWER9 0x0f000005
#define PVR_LOGICAL_POWER10 0x0f000006
#define PVR_LOGICAL_POWER11 0x0f000007

typedef struct PvrEntry {
    uint32_t mask;
    uint32_t pvr;
} PvrEntry;

/*
 * Run CAS with an architecture vector at @vec_addr listing @pvrs (and a
 * terminator unless @terminated is false) and option vectors 1 to 5 that
 * a POWER guest would give; the device tree update goes to
 * SPAPR_CAS_FDT_BUF_ADDR.  Returns the hcall's return code.
 */
int64_t spapr_cas(QTestState *qts, uint64_t vec_addr, const PvrEntry *pvrs,
                  int n, bool terminated);

/* The @n PVRs with no terminator, then the option vectors at once */
int64_t spapr_cas_unterminated(QTestState *qts, uint64_t vec_addr,
                               const PvrEntry *pvrs, int n);

#endif /* SPAPR_CAS_UTIL_H */
