/*
 * What CAS does when the accelerator does not take the compat mode
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_PPC_SPAPR_CAS_POLICY_H
#define HW_PPC_SPAPR_CAS_POLICY_H

/* How setting the compat mode chosen at CAS went. */
typedef enum SpaprCasCompatSet {
    SPAPR_CAS_COMPAT_SET_OK,
    /* The accelerator has no compat modes at all (KVM PR). */
    SPAPR_CAS_COMPAT_SET_UNSUPPORTED,
    /* The accelerator has compat modes but refused this one (KVM HV). */
    SPAPR_CAS_COMPAT_SET_REFUSED,
} SpaprCasCompatSet;

typedef enum SpaprCasCompatAction {
    SPAPR_CAS_COMPAT_USE,       /* run in the negotiated compat mode */
    SPAPR_CAS_COMPAT_RAW,       /* run in raw mode instead */
    SPAPR_CAS_COMPAT_FAIL,      /* CAS fails (H_HARDWARE) */
} SpaprCasCompatAction;

SpaprCasCompatAction spapr_cas_compat_action(SpaprCasCompatSet set,
                                             bool raw_mode_supported,
                                             bool max_compat_set);

/* What the user is told when the accelerator refuses the compat mode. */
typedef struct SpaprCasRefusal {
    const char *accel;          /* e.g. "KVM" */
    const char *mode;           /* e.g. "power11"; NULL if it has no name */
    uint32_t compat_pvr;        /* the logical PVR asked for */
    uint32_t raw_pvr;           /* the CPU's own PVR */
    const char *reason;         /* what the accelerator said */
    const char *lower_mode;     /* a max-cpu-compat to suggest, or NULL */
    const char *host_modes;     /* e.g. "power9, power10"; NULL: unknown */
} SpaprCasRefusal;

/* One line for error_report(); free with g_free(). */
char *spapr_cas_refusal_message(const SpaprCasRefusal *refusal);

#endif /* HW_PPC_SPAPR_CAS_POLICY_H */
