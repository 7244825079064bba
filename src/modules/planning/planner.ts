/** The monthly visit planner; the stages live in ./planner/ (see planner/index.ts). */
export {
  checkPlan,
  earliestNextVisit,
  firstDueDate,
  planVisits,
  type PlanClass,
  type PlanCustomer,
  type PlanInput,
  type PlannedDay,
  type PlanResult,
  type Shortfall,
} from "./planner/index.ts";
