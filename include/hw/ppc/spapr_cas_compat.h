/*
 * Setting the compat mode negotiated at CAS
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_PPC_SPAPR_CAS_COMPAT_H
#define HW_PPC_SPAPR_CAS_COMPAT_H

#include "target/ppc/cpu-qom.h"

/*
 * Puts every vCPU in compat mode @cas_pvr (0: raw mode).  Returns false,
 * having told the user why, when CAS must fail.
 */
bool spapr_cas_set_compat(PowerPCCPU *cpu, uint32_t cas_pvr,
                          bool raw_mode_supported, uint32_t max_compat);

#endif /* HW_PPC_SPAPR_CAS_COMPAT_H */
