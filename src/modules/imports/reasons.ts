import type { Translate } from "../../i18n/i18n.ts";

/**
 * Import problems are recorded in English (logs, tests, the JSON report) and shown in the reader's
 * language: each pattern names its catalogue entry (`import.reason.*`), its groups the parameters.
 * A reason no pattern knows is shown as recorded.
 */
const PATTERNS: [RegExp, string][] = [
  [/^(?<column>\w+) is required$/, "required"],
  [/^(?<column>\w+) must be at most (?<max>\d+) characters$/, "too-long"],
  [/^(?<column>\w+) must be a number$/, "not-number"],
  [/^(?<column>\w+) may only contain letters, digits and \. _ - /, "code-chars"],
  [/^(?<column>\w+) must be between (?<min>-?[\d.]+) and (?<max>-?[\d.]+)$/, "range"],
  [/^tier must be an integer from 1 to 30$/, "tier"],
  [/^sales_volume must be a non-negative number$/, "sales"],
  [/^(?<column>pack_price|carton_price) must be a non-negative number$/, "price"],
  [/^violation_date must be a date like 2026-03-15$/, "violation-date"],
  [/^unknown service class "(?<value>[^"]*)" \(known: (?<known>[^)]*)\)$/, "service-class"],
  [/^role must be one of manager, supervisor, admin/, "role"],
  [/^(?<column>\w+) must be an amount in yuan like 50000 or 5万 \(got "(?<value>.*)"\)$/, "amount"],
  [/^(?<column>\w+) must not be negative$/, "negative"],
  [/^credit_term_days must be a whole number of days/, "credit-term"],
  [/^receivables_due must be a date like 2026-12-31 \(got "(?<value>.*)"\)$/, "due-date"],
  [/^key_people lists (?<n>\d+) people \(at most (?<max>\d+)\)$/, "kp-many"],
  [/^key_people entry (?<n>\d+) "(?<entry>.*)": use name\/role\/phone/, "kp-parts"],
  [/^key_people entry (?<n>\d+) "(?<entry>.*)": the name is missing$/, "kp-name"],
  [/^key_people entry (?<n>\d+) "(?<entry>.*)": the (?<part>name|role) is longer than (?<max>\d+) characters$/, "kp-long"],
  [/^key_people entry (?<n>\d+) "(?<entry>.*)": "(?<phone>.*)" is not a phone number$/, "kp-phone"],
  [/^key_people entry (?<n>\d+) "(?<entry>.*)": (?<name>.+) is listed twice$/, "kp-twice"],
  [/^(?<column>\w+) must be one of (?<allowed>.+)$/, "one-of"],
  [/^(?<column>\w+) must be yes or no/, "yes-no"],
  [/^coordinates 0,0 are not a real location$/, "zero-coordinates"],
  [/^visit_days must list weekdays/, "visit-days"],
  [/^(?<column>start_lat|start_lng) is required when (?<other>start_lat|start_lng) is given$/, "start-pair"],
  [/^(?<column>lat|lng) is required when (?<other>lat|lng) is given \(leave both empty for a shop without coordinates\)$/, "coords-pair"],
  [/^missing required column$/, "missing-column"],
  [/^the required columns are on sheet (?<index>\d+) "(?<name>.*)"; import it with --sheet \d+$/, "other-sheet"],
  [/^the header row contains NUL characters$/, "header-nul"],
  [/^(?<column>\w+) contains NUL characters$/, "cell-nul"],
  [/^column given more than once \((?<headers>.*)\)$/, "duplicate-column"],
  [/^the file has no data rows$/, "no-rows"],
  [/^duplicate code \(first seen in row (?<row>\d+)\)$/, "duplicate-code"],
  [/^a person cannot be their own supervisor$/, "own-supervisor"],
  [/^unknown supervisor (?<code>.+)$/, "unknown-supervisor"],
  [/^(?<code>\S+) is a manager, not a supervisor$/, "not-supervisor"],
  [/^supervisor chain loops back to (?<code>.+)$/, "supervisor-loop"],
  [/^(?<code>\S+) still has (?<n>\d+) customers; reassign them before changing the role$/, "still-has-customers"],
  [/^(?<n>\d+) managers are named (?<name>.+); use the staff code$/, "ambiguous-manager"],
  [/^unknown manager (?<code>.+)$/, "unknown-manager"],
  [/^(?<code>\S+) is a (?<role>\w+), not a customer manager$/, "not-manager"],
  [/^manager (?<code>\S+) is inactive$/, "inactive-manager"],
  [/^status must be active or inactive/, "active"],
  [/^supervisor (?<code>\S+) is inactive$/, "inactive-supervisor"],
  [/^(?<code>\S+) still has (?<n>\d+) active team members \((?<members>.*)\) and cannot be (?<change>deactivated|made a customer manager)$/, "team-members"],
];

export function localizeReason(reason: string, t: Translate): string {
  for (const [re, key] of PATTERNS) {
    const m = re.exec(reason);
    if (!m) continue;
    const params: Record<string, string> = { ...(m.groups ?? {}) };
    if (params.role) params.role = t(`role.${params.role}`);
    if (params.change) params.change = t(`import.reason.team-change.${params.change === "deactivated" ? "deactivate" : "demote"}`);
    return t(`import.reason.${key}`, params);
  }
  return reason;
}
