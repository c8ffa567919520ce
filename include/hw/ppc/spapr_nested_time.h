/*
 * The CPU time a vCPU's thread spends running L2s
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_TIME_H
#define HW_SPAPR_NESTED_TIME_H

#include "target/ppc/cpu-qom.h"

/* A vCPU's, kept while spapr_nested_l2_time is traced */
typedef struct SpaprNestedTime {
    int64_t entered_ns;         /* its thread's CPU time at entry, or <= 0 */
    uint64_t l2_ns;             /* its thread's CPU time in L2s */
    uint64_t exits;
} SpaprNestedTime;

/* @cpu has just entered an L2 */
void spapr_nested_time_enter(PowerPCCPU *cpu);

/* @cpu leaves the L2 it runs */
void spapr_nested_time_exit(PowerPCCPU *cpu);

#endif /* HW_SPAPR_NESTED_TIME_H */
