/*
 * An L1 that runs an L2 on the nested APIs' L0, from qtests, through the
 * "hcall" qtest command on vCPU 0
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef SPAPR_NESTED_UTIL_H
#define SPAPR_NESTED_UTIL_H

#include "libqtest.h"

#define H_SUCCESS 0

#define H_GUEST_GET_CAPABILITIES 0x460
#define H_GUEST_SET_CAPABILITIES 0x464
#define H_GUEST_CREATE 0x470
#define H_GUEST_CREATE_VCPU 0x474
#define H_GUEST_SET_STATE 0x47c
#define H_GUEST_RUN_VCPU 0x480
#define H_SET_PARTITION_TABLE 0xf800
#define H_ENTER_NESTED 0xf804
#define H_TLB_INVALIDATE 0xf808

#define CAP_P9 0x4000000000000000ULL
#define CAP_P10 0x2000000000000000ULL
#define GUEST_WIDE 0x8000000000000000ULL

/* Guest state element ids */
#define GSID_PAGETBL 0x0005
#define GSID_PROCTBL 0x0006
#define GSID_RUN_INPUT 0x0c00
#define GSID_RUN_OUTPUT 0x0c01
#define GSID_HDEC_EXPIRY 0x1020
#define GSID_MSR 0x1022
#define GSID_HDSISR 0xf001
#define GSID_ASDR 0xf003

#define MSR_SF (1ULL << 63)
#define MSR_HV (1ULL << 60)
#define MSR_ME (1ULL << 12)
#define MSR_IR (1ULL << 5)
#define MSR_DR (1ULL << 4)
#define MSR_RI (1ULL << 1)
#define MSR_LE (1ULL << 0)
/* What Linux gives its guests */
#define L2_MSR (MSR_SF | MSR_ME | MSR_IR | MSR_DR | MSR_RI | MSR_LE)

/* Where the L1's buffers and its L2's partition-scoped tables are */
#define GSB_ADDR 0x1000000
#define RUN_IN_ADDR 0x1100000
#define RUN_OUT_ADDR 0x1200000
#define RUN_BUF_SIZE 0x1000
#define L2_PAGETBL 0x2000000
#define L2_PAGETBL_ROOT_SIZE 0x10000

/* An hcall on vCPU 0, as its L1 makes it */
int64_t spapr_nested_hcall(QTestState *qts, uint64_t opcode, int nargs,
                           const uint64_t *args, uint64_t *rets);

/* One element @id of @n (1 to 3) 8-byte values, with H_GUEST_SET_STATE */
void spapr_nested_set_state(QTestState *qts, uint64_t flags, uint64_t guest,
                            uint16_t id, int n, const uint64_t *values);

/* The same, thread-wide, for vCPU @vcpu */
void spapr_nested_set_vcpu_state(QTestState *qts, uint64_t guest,
                                 uint64_t vcpu, uint16_t id, int n,
                                 const uint64_t *values);

/*
 * A PAPR API L2 with one vCPU whose MSR is @msr, ready for
 * H_GUEST_RUN_VCPU: capabilities, guest, vCPU, partition table at
 * L2_PAGETBL, run buffers.  Returns its id.
 */
uint64_t spapr_nested_papr_create_l2(QTestState *qts, uint64_t msr);

/* Register @name of vCPU 0 ("MSR", "NIP"), as "info registers" shows it */
uint64_t spapr_nested_vcpu0_reg(QTestState *qts, const char *name);

/* GPR @n of vCPU 0 */
uint64_t spapr_nested_vcpu0_gpr(QTestState *qts, int n);

#endif /* SPAPR_NESTED_UTIL_H */
