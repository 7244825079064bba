/** Planner parameters: objective weights and search effort. Effort is counted in work (iterations), never time. */

/**
 * Kicks of the final route search per day (work, not time: a plan is the same on any machine).
 * Days of up to 15 stops are solved exactly; 20- and 30-stop days reach the same routes with 150
 * kicks as with 500 or 4,000 on every bench territory (100 still did), for a third of the cost
 * of 500: the search has already tidied each route, the kicks only confirm it.
 */
export const ROUTE_KICKS = 150;
export const SEED = 0x5eed;
/** Up to this many customers a full distance matrix is kept (8·n² bytes). */
export const MATRIX_LIMIT = 2000;

// Objective, in km-equivalents: route km + load-balance penalty + visit costs + penalties.
/** Penalty of one missed visit of the least protected class. */
export const W_BASE = 10_000;
/** Factor between consecutive priority ranks: a protected class loses visits last. */
export const W_FACTOR = 40;
/**
 * A late visit costs between LATE_BASE and LATE_MAX of the class weight (growing per day late), a
 * missed one the full weight plus a little (km-equivalents) per day of the horizon it stays
 * missed: late beats missed, and among the misses of one class geography decides, earlier due
 * dates breaking ties.
 */
export const LATE_BASE = 0.5;
export const LATE_PER_DAY = 0.02;
export const LATE_MAX = 0.95;
export const MISS_KM_PER_DAY = 0.5;
/** Cost of any planned visit: prefers chains with fewer (later) visits, which keeps capacity free. */
export const VISIT_BASE = 5;
/** Load-balance penalty β·(distance outside the band)²: grows over the search. */
export const BETA_START = 1;
export const BETA_GROWTH = 1.5;
export const BETA_LNS = 5;
export const BETA_MAX = 150;

// Search effort. Deterministic: counts, not time.
export const LS_PASSES = 4;
export const FINAL_PASSES = 4;
/**
 * LNS iterations (lnsIterations in index.ts). The long search, as before the swap search came:
 * LNS_ITERS_LONG per customer. The short one, with the swap search (swap.ts) at every route tidy:
 * LNS_ITERS_PER_CUSTOMER per customer, at least LNS_MIN_ITERS, at most the long one. On the
 * bench's 250–300-customer tobacco territories it plans shorter routes than the long one did
 * (−0.1 to −12% km over search seeds 1–12, compliance and coverage as before) for 35–45% less CPU.
 * The floor was 18,000 (72 per customer at 250); at 15,000 the 250-customer territory plans the
 * same km over seeds 1–12 (682.8 against 683.9; compliance, coverage, balance equal) for 13% less.
 */
export const LNS_ITERS_LONG = 150;
export const LNS_ITERS_PER_CUSTOMER = 60;
export const LNS_MIN_ITERS = 15_000;
/** Swap passes after the main LNS and after the final sweeps (the LNS runs one at every route tidy). */
export const SWAP_PASSES = 10;
/**
 * The short search with swaps runs when the required visits reach this share of the daily minimum
 * over all visit days (and fit the capacity). Below it the fill stage makes most of each day.
 */
export const SWAP_MIN_FILL = 1;
export const LNS_MAX_ITERS = 50_000;
/**
 * An LNS step removes 3 .. 3 + LNS_MAX_REMOVE − 1 customers; in the short search (with swaps) on
 * a calendar that is not crowded, 3 .. 3 + LNS_SHORT_MAX_REMOVE − 1: the swaps do much of what
 * the large removals did, and the smaller steps cost 12–15% less at the same km (±0.8% over
 * search seeds 1–12). A crowded calendar and the key-account territories keep the large ones
 * (smaller ones there: compliance −0.6 pp, coverage −0.4 pp; key-account 120 +3% km).
 */
export const LNS_MAX_REMOVE = 16;
/**
 * The short search on a calendar that is not crowded stops where its temperature reaches this
 * (km): the first 60% of its schedule. The rest found little (on 300 × Sep–Oct the objective
 * had fallen by 158 of its 160 km-equivalents by then). Over search seeds 1–24 the 250–300-
 * customer tobacco territories plan 0.1–0.4% more km than the full schedule (still 0.6–2.3%
 * below the reference over seeds 1–6; compliance, coverage and balance equal) for 25–37% less CPU.
 */
export const LNS_SHORT_STOP_T = 0.15;
export const LNS_SHORT_MAX_REMOVE = 12;
/**
 * A calendar is crowded when the visits the plan needs (estimateVisits) reach this share of the
 * capacity without exceeding it: then the squeeze runs before the main LNS (SQUEEZE_FIRST_ITERS
 * per customer), not after it with a recovery run, which plans the same compliance and coverage
 * for a quarter less work.
 */
export const CROWDED_FILL = 0.95;
export const SQUEEZE_FIRST_ITERS_PER_CUSTOMER = 10;
/**
 * Crowded, the main LNS runs this share of its iterations after the squeeze: the squeeze has
 * already shaped the days. Over search seeds 1–6 on 300 × Sep–Oct with Oct 1–3 off, 0.6 plans
 * compliance 0.9416 / coverage 1 / imbalance 0.33 (full run 0.9446 / 1 / 0.5; reference 0.9403 /
 * 0.9978 / 0.83) at km −9.0% against the reference (full run −9.1%) for a fifth less CPU.
 */
export const CROWDED_LNS_SHARE = 0.6;
/**
 * The crowded calendar's LNS stops where its temperature reaches this (km): the first 72% of its
 * schedule. Over search seeds 1–24 on 300 × Sep–Oct with Oct 1–3 off: compliance 0.9423 (full
 * schedule 0.9429; reference 0.9403 over seeds 1–6), coverage equal, km +0.25%, a fifth less work.
 */
export const CROWDED_STOP_T = 0.08;
/**
 * The long search below the daily minimum where at least COVERAGE_ONLY_SHARE of the customers
 * have no visit interval (key accounts: one visit anywhere in the horizon) starts at LNS_COOL_T0
 * instead of LNS_T0, skipping the schedule's hot first part. There a hot start only made the
 * plan worse for thousands of steps, and the cooling did not win it back: over search seeds 1–24
 * key-account 120 and 240 plan 7.7% and 3.9% fewer km (180: −6%; 300 × Sep–Oct equal), balance
 * as good or better, for 45–60% less work. Tobacco territories below the minimum keep the hot
 * start: cool, they planned 1–3% more km.
 */
export const COVERAGE_ONLY_SHARE = 0.5;
export const LNS_COOL_T0 = 0.4;
/** Removal operators: around a penalised customer / part of a day / worst detour / neighbours. */
export const LNS_P_PEN = 0.3;
export const LNS_P_DAY = 0.3;
export const LNS_P_WORST = 0.2;
/** Simulated-annealing temperature (km), geometric from T0 to T1. */
export const LNS_T0 = 3;
export const LNS_T1 = 0.02;
export const LNS_ROUTE_EVERY = 400;
/**
 * On a crowded calendar (CROWDED_FILL), the LNS runs its swap pass at every CROWDED_SWAP_EVERY-th
 * route tidy (every 800 steps), elsewhere at every one. Crowded, that plans the same compliance,
 * coverage and balance for 11% less CPU (km +0.9%, still 9% below the reference); elsewhere it
 * saved 10–13% but cost 0.1–0.7% km over search seeds 1–24.
 */
export const CROWDED_SWAP_EVERY = 2;
export const REPAIR_ROUNDS = 3;
/** Visit cost while squeezing (below the cost of a late visit: 0.5 × W_BASE). */
export const SQUEEZE_VISIT_BASE = 500;
export const SQUEEZE_ITERS_PER_CUSTOMER = 20;
/** LNS effort after a squeeze, as a share of the main run (the squeeze ignores geography). */
export const SQUEEZE_RECOVERY = 0.3;
export const REPAIR_CANDIDATES = 60;

/** Spacing of optional (filler) visits for classes without an interval, in days. */
export const NULL_CLASS_SPACING = 28;
/** Filler choice: detour km minus this much per interval elapsed since the last visit. */
export const FILL_OVERDUE_KM = 2;
export const FILL_ROUNDS = 3;

