/*
 * Both nested APIs on one machine: the L1 chooses one by using it
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_SELECT_H
#define HW_SPAPR_NESTED_SELECT_H

#include "migration/vmstate.h"

typedef struct SpaprMachineState SpaprMachineState;

/* cap-nested-hv and cap-nested-papr are both on */
bool spapr_nested_both_apis(SpaprMachineState *spapr);

/*
 * Before a call of API @api (NESTED_API_*): lets go of the L1's choice of
 * the other API if it holds no nested state of it any more (see
 * spapr_nested_api_release()), then returns true if the call must fail
 * because the L1 still uses the other one.
 */
bool spapr_nested_api_release_or_refuse(SpaprMachineState *spapr,
                                        uint8_t api);

/* A call of @api that commits the L1 to it succeeded. */
void spapr_nested_api_commit(SpaprMachineState *spapr, uint8_t api);

/*
 * The L1 may have torn down all its nested state: if so, either API can
 * be chosen again.
 */
void spapr_nested_api_release(SpaprMachineState *spapr);

/* Machine reset: no API is chosen. */
void spapr_nested_api_reset(SpaprMachineState *spapr);

/* Whether a migrated partition table register is one an L1 can set */
bool spapr_nested_ptcr_loadable(uint64_t ptcr);

extern const VMStateDescription vmstate_spapr_nested_api;

#endif /* HW_SPAPR_NESTED_SELECT_H */
