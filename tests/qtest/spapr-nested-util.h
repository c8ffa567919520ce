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
/* What H_GUEST_RUN_VCPU returns in r4 when the L2 makes an hcall */
#define SYSCALL_VECTOR 0xc00

#define H_GUEST_GET_CAPABILITIES 0x460
#define H_GUEST_SET_CAPABILITIES 0x464
#define H_GUEST_CREATE 0x470
#define H_GUEST_CREATE_VCPU 0x474
#define H_GUEST_GET_STATE 0x478
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
#define GSID_NIA 0x1021
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

/* Far enough not to end the L2's run first, near enough for a 56-bit HDEC */
#define HDEC_EXPIRY (1ULL << 54)

/* Radix tree entries */
#define R_PTE_VALID 0x8000000000000000ULL
#define R_PTE_LEAF 0x4000000000000000ULL
#define R_PTE_EAA_RWX 0x7ULL
#define PATE0_HR 0x8000000000000000ULL
/* a 52-bit tree (RTS = 52 - 31, split in two fields) with a 2^13 root */
#define PATE0_RTS52 ((2ULL << 61) | (5ULL << 5))
#define ROOT_NLS 13
#define DIR_NLS 9

/* How long a vCPU may take to come back, and QEMU to end */
#define PATIENCE_US (10 * G_USEC_PER_SEC)
#define POLL_US (20 * 1000)

/* Big-endian instructions, as the L1 runs after reset */
#define INSN_LI(rt, si) (0x38000000 | (rt) << 21 | ((si) & 0xffff))
#define INSN_LIS(rt, si) (0x3c000000 | (rt) << 21 | ((si) & 0xffff))
#define INSN_ORI(ra, rs, ui) (0x60000000 | (rs) << 21 | (ra) << 16 | (ui))
#define INSN_ORIS(ra, rs, ui) (0x64000000 | (rs) << 21 | (ra) << 16 | (ui))
#define INSN_ADDI(rt, ra, si) (0x38000000 | (rt) << 21 | (ra) << 16 | \
                               ((si) & 0xffff))
#define INSN_SLDI32(ra, rs) (0x780007c6 | (rs) << 21 | (ra) << 16)
#define INSN_LD(rt, ra) (0xe8000000 | (rt) << 21 | (ra) << 16)
#define INSN_STD(rs, ra) (0xf8000000 | (rs) << 21 | (ra) << 16)
#define INSN_CMPLDI(ra, ui) (0x28200000 | (ra) << 16 | (ui))
#define INSN_BNE(offset) (0x40820000 | ((offset) & 0xfffc))
#define INSN_BEQ(offset) (0x41820000 | ((offset) & 0xfffc))
#define INSN_MTCTR(rs) (0x7c0903a6 | (rs) << 21)
#define INSN_BCTRL 0x4e800421
#define INSN_BDNZ(offset) (0x42000000 | ((offset) & 0xfffc))
#define INSN_BLR 0x4e800020
#define INSN_SC1 0x44000022
#define INSN_B(offset) (0x48000000 | ((offset) & 0x03fffffc))
#define INSN_MTSPR(spr, rs) (0x7c0003a6 | (rs) << 21 | ((spr) & 0x1f) << 16 | \
                             ((spr) >> 5) << 11)
#define INSN_MFSPR(rt, spr) (0x7c0002a6 | (rt) << 21 | ((spr) & 0x1f) << 16 | \
                             ((spr) >> 5) << 11)

/* Referenced and changed: no R/C update to make */
#define R_PTE_RC 0x180ULL
/* An L2 in real mode, 64-bit, big-endian, as the L1's code here */
#define L2_MSR_REAL (MSR_SF | MSR_ME)

/* Where the L1's buffers and its L2's partition-scoped tables are */
#define GSB_ADDR 0x1000000
#define RUN_IN_ADDR 0x1100000
#define RUN_OUT_ADDR 0x1200000
#define RUN_BUF_SIZE 0x1000
#define L2_PAGETBL 0x2000000
#define L2_PAGETBL_ROOT_SIZE 0x10000
/* spapr_nested_papr_create_real_mode_l2()'s tables */
#define L2_REAL_PAGEDIR 0x2010000
#define L2_REAL_PROCTBL 0x2100000
#define L2_REAL_PROCTBL_SIZE 0x1000

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

/* The same without the capabilities, which an L1 sets once: another L2 */
uint64_t spapr_nested_papr_add_l2(QTestState *qts, uint64_t msr);

/*
 * The same, in real mode at @nia with @msr, its partition-scoped tables
 * mapping the first GiB of it onto the L1's first GiB without faults
 * (referenced and changed), and a process table that it never reads.
 * The L2's code goes at @nia, its real address and the L1's.
 */
uint64_t spapr_nested_papr_create_real_mode_l2(QTestState *qts, uint64_t msr,
                                               uint64_t nia);

/* The 8-byte element @id of vCPU @vcpu of @guest, with H_GUEST_GET_STATE */
uint64_t spapr_nested_get_vcpu_state(QTestState *qts, uint64_t guest,
                                     uint64_t vcpu, uint16_t id);

/* Register @name of vCPU 0 ("MSR", "NIP"), as "info registers" shows it */
uint64_t spapr_nested_vcpu0_reg(QTestState *qts, const char *name);

/* GPR @n of vCPU 0 */
uint64_t spapr_nested_vcpu0_gpr(QTestState *qts, int n);

/* @n instructions at @addr of the L1's memory */
void spapr_nested_write_code(QTestState *qts, uint64_t addr,
                             const uint32_t *insns, int n);

/*
 * The same at vCPU 0's NIP, the L1's entry point where the L0 returns
 * vCPU 0 from the L2; returns that address.
 */
uint64_t spapr_nested_write_l1_code(QTestState *qts, const uint32_t *insns,
                                    int n);

/*
 * SIGTERM, as a user's kill or libvirt's shutdown sends it; true if QEMU
 * ended within PATIENCE_US, else it is killed and false.
 */
bool spapr_nested_terminate(QTestState *qts);

/*
 * Lets the machine run until vCPU 0 is at @nip again with @value in GPR
 * @gpr, that is, back in its L1 from the L2, and stops it; kills QEMU
 * (which then would not end on its own) and fails otherwise.
 */
void spapr_nested_wait_back_in_l1(QTestState *qts, uint64_t nip, int gpr,
                                  uint64_t value);

/*
 * Runs the @n instructions @l1 at vCPU 0's NIP: an L1 that runs its L2
 * once with H_GUEST_RUN_VCPU and ends with INSN_LI(L1_DONE_GPR, L1_DONE),
 * INSN_B(0).  Checks that the run succeeded and that the L2 left with an
 * hcall; the machine is stopped there.
 */
#define L1_DONE_GPR 20
#define L1_DONE 2
void spapr_nested_l1_run_l2_to_hcall(QTestState *qts, const uint32_t *l1,
                                     int n);

/*
 * Starts the stopped vCPU @cpu at @code with RTAS start-cpu, whose
 * arguments go to @rtas_args in the L1's memory.
 */
void spapr_nested_start_vcpu(QTestState *qts, uint32_t cpu, uint64_t code,
                             uint64_t rtas_args);

#endif /* SPAPR_NESTED_UTIL_H */
