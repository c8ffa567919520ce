/*
 * When the L2 translations that a vCPU's TLB holds may be used again
 *
 * Under TCG, an L2's accesses have MMU indexes of their own
 * (PPC_MMU_IDX_VHYP_NESTED), so that a vCPU keeps its L1's translations
 * and its L2's when it passes from one to the other, as a POWER core
 * keeps them apart by LPID.  What the L2's may not outlive:
 * - another context on this vCPU: another L2, another vCPU of it, or
 *   other partition or process tables, PIDR or LPCR.  The vCPU's tag says
 *   which context its L2 translations belong to (the PIDR of the L2's
 *   exit, since it may change it); another one flushes them.
 * - the same L2 vCPU run on another vCPU of the L1 since, where its
 *   kernel may have invalidated translations with tlbiel, which reaches
 *   that vCPU only.  Hardware KVM flushes there from the L1's vcpu_token;
 *   here the owners table says which vCPU last ran each L2 vCPU.  It is
 *   small and a collision only costs a flush: an L1 that makes up tokens
 *   cannot make it grow.
 * - the L1's H_TLB_INVALIDATE: every vCPU flushes its L2 translations
 *   (spapr_nested.c).
 * - the end of what the tags name: a guest deleted, a partition table
 *   set, a machine reset.  The generation moves on, and each vCPU flushes
 *   at its next entry.
 * The L2's own process-scoped tlbie and tlbiel flush L2 translations
 * alone, not the L1's (mmu_helper.c), and a PIDR change its translations
 * of quadrants 0 and 1 (misc_helper.c).
 *
 * All of it runs under the BQL, in hypercalls of the vCPU concerned.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "exec/cputlb.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_nested.h"
#include "hw/ppc/spapr_nested_tlb.h"
#include "trace.h"

#define SPAPR_NESTED_TLB_OWNERS 256

/* What the L2 translations of a vCPU were made with */
typedef struct SpaprNestedTlbTag {
    uint64_t generation;        /* 0: none */
    uint64_t api;
    uint64_t guest;
    uint64_t vcpu;
    uint64_t pate[2];
    uint64_t pidr;
    uint64_t lpcr;
} SpaprNestedTlbTag;

/* The vCPU of the L1 that last ran an L2 vCPU */
typedef struct SpaprNestedTlbOwner {
    uint64_t generation;        /* 0: none */
    uint64_t api;
    uint64_t guest;
    uint64_t vcpu;
    int cpu_index;
} SpaprNestedTlbOwner;

struct SpaprNestedTlb {
    uint64_t generation;
    SpaprNestedTlbTag *tags;    /* by cpu_index */
    int nr_tags;
    SpaprNestedTlbOwner owners[SPAPR_NESTED_TLB_OWNERS];
};

static SpaprNestedTlb *spapr_nested_tlb(SpaprMachineState *spapr)
{
    if (!spapr->nested.tlb) {
        spapr->nested.tlb = g_new0(SpaprNestedTlb, 1);
        spapr->nested.tlb->generation = 1;
    }
    return spapr->nested.tlb;
}

static SpaprNestedTlbTag *spapr_nested_tlb_tag(SpaprNestedTlb *tlb,
                                               int cpu_index)
{
    if (cpu_index >= tlb->nr_tags) {
        tlb->tags = g_renew(SpaprNestedTlbTag, tlb->tags, cpu_index + 1);
        memset(tlb->tags + tlb->nr_tags, 0,
               (cpu_index + 1 - tlb->nr_tags) * sizeof(*tlb->tags));
        tlb->nr_tags = cpu_index + 1;
    }
    return &tlb->tags[cpu_index];
}

static SpaprNestedTlbOwner *spapr_nested_tlb_owner(SpaprNestedTlb *tlb,
                                                   const SpaprNestedTlbTag *t)
{
    uint64_t hash = (t->guest * 0x9e3779b97f4a7c15ULL) ^ t->vcpu;

    return &tlb->owners[(hash ^ hash >> 32) % SPAPR_NESTED_TLB_OWNERS];
}

void spapr_nested_tlb_flush(CPUState *cs)
{
    tlb_flush_by_mmuidx(cs, PPC_MMU_IDX_VHYP_NESTED_MASK);
}

void spapr_nested_tlb_enter(SpaprMachineState *spapr, PowerPCCPU *cpu,
                            uint64_t vcpu)
{
    SpaprNestedTlb *tlb = spapr_nested_tlb(spapr);
    CPUPPCState *env = &cpu->env;
    CPUState *cs = CPU(cpu);
    SpaprNestedTlbTag tag, *last;
    SpaprNestedTlbOwner *owner;
    ppc_v3_pate_t pate = { 0, 0 };
    bool valid;

    memset(&tag, 0, sizeof(tag));
    tag.generation = tlb->generation;
    tag.api = spapr_nested_api(spapr);
    tag.guest = env->spr[SPR_LPIDR];
    tag.vcpu = vcpu;
    if (tag.api == NESTED_API_PAPR) {
        spapr_get_pate_nested_papr(spapr, cpu, tag.guest, &pate);
    } else {
        spapr_get_pate_nested_hv(spapr, cpu, tag.guest, &pate);
    }
    tag.pate[0] = pate.dw0;
    tag.pate[1] = pate.dw1;
    tag.pidr = env->spr[SPR_BOOKS_PID];
    tag.lpcr = env->spr[SPR_LPCR];

    last = spapr_nested_tlb_tag(tlb, cs->cpu_index);
    owner = spapr_nested_tlb_owner(tlb, &tag);
    valid = !memcmp(last, &tag, sizeof(tag)) &&
            owner->generation == tag.generation && owner->api == tag.api &&
            owner->guest == tag.guest && owner->vcpu == tag.vcpu &&
            owner->cpu_index == cs->cpu_index;
    if (!valid) {
        spapr_nested_tlb_flush(cs);
    }
    trace_spapr_nested_tlb_enter(cs->cpu_index, tag.guest, vcpu, !valid);
    *last = tag;
    owner->generation = tag.generation;
    owner->api = tag.api;
    owner->guest = tag.guest;
    owner->vcpu = tag.vcpu;
    owner->cpu_index = cs->cpu_index;
}

void spapr_nested_tlb_exit(SpaprMachineState *spapr, PowerPCCPU *cpu)
{
    SpaprNestedTlb *tlb = spapr_nested_tlb(spapr);

    /*
     * The L2 may have changed PIDR as it ran, which flushed what it had
     * of the one before: what it leaves behind is of the one it exits with.
     */
    spapr_nested_tlb_tag(tlb, CPU(cpu)->cpu_index)->pidr =
        cpu->env.spr[SPR_BOOKS_PID];
}

void spapr_nested_tlb_forget(SpaprMachineState *spapr)
{
    /* without it, no vCPU has entered an L2 yet */
    if (spapr->nested.tlb) {
        spapr->nested.tlb->generation++;
    }
}
