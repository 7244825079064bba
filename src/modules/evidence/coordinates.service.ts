import type { TPolicy } from "../../config/policy.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { Translate } from "../../i18n/i18n.ts";

/**
 * Better shop positions from check-ins (issue #16, must-have 4). Called by the visit form in its
 * completion transaction, after the visit row with its check-in columns is written. A shop without
 * coordinates (Customer.located false) gets its first check-in proposed; a shop whose last
 * `policy.evidence.coordinates.agreeing` check-ins agree within `withinM` of each other and lie
 * outside the radius of its stored position gets that position proposed. Returns lines for the
 * manager's confirmation (only what really happened).
 *
 * PLACEHOLDER until the coordinates work lands: proposes nothing.
 */
export async function considerCheckin(_tx: Tx, _opts: { policy: TPolicy; customerId: number; visitId: number; now: Date; t: Translate }): Promise<string[]> {
  return [];
}
