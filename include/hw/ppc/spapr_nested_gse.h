/*
 * Values of guest state elements that the PAPR nested API's L0 can take
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_SPAPR_NESTED_GSE_H
#define HW_SPAPR_NESTED_GSE_H

/*
 * Whether the value of element @id (its size already checked) may be set.
 * @value is the element's big-endian value in the guest state buffer.
 */
bool spapr_nested_gse_value_ok(uint16_t id, const void *value);

/* Whether H_GUEST_GET_STATE can return element @id. */
bool spapr_nested_gse_readable(uint16_t id);

#endif /* HW_SPAPR_NESTED_GSE_H */
