/*
 * qtest commands of the pseries machine: hypercalls
 *
 * Lets qtests exercise hypercalls without a guest: the call reaches
 * spapr_hypercall() through the virtual hypervisor exactly as a guest's
 * "sc 1" does under TCG, with r3..r12 loaded on the chosen vCPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "hw/core/cpu.h"
#include "hw/qdev-core.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/spapr_irq.h"
#include "hw/ppc/spapr_ovec.h"
#include "qapi/error.h"
#include "hw/ppc/spapr_qtest.h"
#include "system/qtest.h"
#include "target/ppc/cpu.h"

/* Arguments go in r4..r12, as the PAPR calling convention has them. */
#define HCALL_MAX_ARGS 9
#define HCALL_FIRST_ARG_REG 4

static bool parse_u64(const char *word, uint64_t *value)
{
    return qemu_strtou64(word, NULL, 0, value) == 0;
}

/*
 * Malformed commands are answered with FAIL and change nothing: a qtest
 * that gets a command wrong must see why, not bring QEMU down.
 */
bool spapr_qtest_hcall(SpaprQtestChardev *chr, gchar **words)
{
    const char *cpu_prefix = "cpu=";
    uint64_t cpu_index = 0, opcode, args[HCALL_MAX_ARGS] = { 0 };
    gchar **word = words + 1;
    CPUState *cs;
    PowerPCCPU *cpu;
    CPUPPCState *env;
    g_autoptr(GString) reply = NULL;
    int nargs, i;

    if (strcmp(words[0], "hcall") != 0) {
        return false;
    }
    if (!object_dynamic_cast(qdev_get_machine(), TYPE_SPAPR_MACHINE)) {
        qtest_sendf(chr, "FAIL hcall needs a pseries machine\n");
        return true;
    }
    if (*word && g_str_has_prefix(*word, cpu_prefix)) {
        if (!parse_u64(*word + strlen(cpu_prefix), &cpu_index)) {
            qtest_sendf(chr, "FAIL hcall: bad vCPU index '%s'\n", *word);
            return true;
        }
        word++;
    }
    if (!*word || !parse_u64(*word, &opcode)) {
        qtest_sendf(chr, "FAIL hcall: expected OPCODE [ARG...], got '%s'\n",
                    *word ? *word : "");
        return true;
    }
    word++;
    for (nargs = 0; word[nargs]; nargs++) {
        if (nargs == HCALL_MAX_ARGS) {
            qtest_sendf(chr, "FAIL hcall: more than %d arguments\n",
                        HCALL_MAX_ARGS);
            return true;
        }
        if (!parse_u64(word[nargs], &args[nargs])) {
            qtest_sendf(chr, "FAIL hcall: bad argument '%s'\n", word[nargs]);
            return true;
        }
    }

    cs = cpu_index <= INT_MAX ? qemu_get_cpu(cpu_index) : NULL;
    if (!cs) {
        qtest_sendf(chr, "FAIL hcall: no vCPU %" PRIu64 "\n", cpu_index);
        return true;
    }
    cpu = POWERPC_CPU(cs);
    env = &cpu->env;
    if (!cpu->vhyp) {
        qtest_sendf(chr, "FAIL hcall: vCPU %" PRIu64 " has no hypervisor\n",
                    cpu_index);
        return true;
    }
    /* A guest's sc 1 would not reach the hypervisor either. */
    if (vhyp_cpu_in_nested(cpu)) {
        qtest_sendf(chr, "FAIL hcall: vCPU %" PRIu64 " is running a nested "
                    "guest\n", cpu_index);
        return true;
    }

    env->gpr[3] = opcode;
    for (i = 0; i < HCALL_MAX_ARGS; i++) {
        env->gpr[HCALL_FIRST_ARG_REG + i] = args[i];
    }
    /*
     * A call may leave the CPU loop (H_CONFER does), as it can from a
     * vCPU's "sc 1": it comes back here, the registers as it left them.
     * The vCPU is stopped or idle: its jump buffer is not in use.
     */
    if (sigsetjmp(cs->jmp_env, 0) == 0) {
        cpu->vhyp_class->hypercall(cpu->vhyp, cpu);
    }

    reply = g_string_new("OK");
    for (i = 3; i < HCALL_FIRST_ARG_REG + HCALL_MAX_ARGS; i++) {
        g_string_append_printf(reply, " 0x%" PRIx64, (uint64_t)env->gpr[i]);
    }
    qtest_sendf(chr, "%s\n", reply->str);
    return true;
}

/* The HV interrupts that end an L2's run, as the CPU raises them */
static const int spapr_qtest_l2_exits[] = {
    POWERPC_EXCP_SYSCALL, POWERPC_EXCP_HDECR, POWERPC_EXCP_HDSI,
    POWERPC_EXCP_HISI, POWERPC_EXCP_HV_EMU, POWERPC_EXCP_HVIRT,
    POWERPC_EXCP_HV_FU, POWERPC_EXCP_SDOOR_HV, POWERPC_EXCP_RESET,
    POWERPC_EXCP_MCHECK,
};

static PowerPCCPU *spapr_qtest_cpu(uint64_t cpu_index)
{
    CPUState *cs = cpu_index <= INT_MAX ? qemu_get_cpu(cpu_index) : NULL;

    return cs ? POWERPC_CPU(cs) : NULL;
}

bool spapr_qtest_vcpu_in_nested(uint64_t cpu_index)
{
    PowerPCCPU *cpu = spapr_qtest_cpu(cpu_index);

    return cpu && vhyp_cpu_in_nested(cpu);
}

unsigned int spapr_qtest_l2_exit_kinds(void)
{
    return ARRAY_SIZE(spapr_qtest_l2_exits);
}

bool spapr_qtest_l2_exit(uint64_t cpu_index, unsigned int kind)
{
    PowerPCCPU *cpu = spapr_qtest_cpu(cpu_index);

    if (!cpu || !vhyp_cpu_in_nested(cpu) ||
        kind >= ARRAY_SIZE(spapr_qtest_l2_exits)) {
        return false;
    }
    CPU(cpu)->exception_index = spapr_qtest_l2_exits[kind];
    /* "sc 1" raises the system call interrupt at level 1 */
    cpu->env.error_code = 1;
    /*
     * Delivering it can fault (HEA fetches the instruction) and leave the
     * CPU loop for the fault, as hcalls can: see spapr_qtest_hcall().
     */
    if (sigsetjmp(CPU(cpu)->jmp_env, 0) == 0) {
        ppc_cpu_do_interrupt(CPU(cpu));
    }
    return true;
}

void spapr_qtest_quick_reset(void)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(qdev_get_machine());
    CPUState *cs;

    spapr_nested_reset(spapr);
    CPU_FOREACH(cs) {
        /* the vCPU's core resets it as a machine reset does */
        device_cold_reset(DEVICE(OBJECT(cs)->parent));
    }
    /* what CAS negotiated: modes, MMU, interrupt controller */
    spapr_ovec_cleanup(spapr->ov5_cas);
    spapr->ov5_cas = spapr_ovec_clone(spapr->ov5);
    ppc_init_compat_all(spapr->max_compat_pvr, &error_abort);
    spapr_irq_reset(spapr, &error_abort);
    if (spapr->htab) {
        memset(spapr->htab, 0, HTAB_SIZE(spapr));
        spapr->patb_entry = 0;
    } else {
        spapr_setup_hpt(spapr);
    }
}
