import type { Step } from "../../../core/forms/form-types.ts";
import { brandProductsSection } from "./brand-products.ts";
import { guidanceSection } from "./guidance.ts";
import { infoPointSection } from "./info-point.ts";
import { forecastSection } from "./forecast.ts";
import { infoSection } from "./info.ts";
import { inventorySection } from "./inventory.ts";
import { keySection } from "./key.ts";
import { manualSection } from "./manual.ts";
import { marketSection } from "./market.ts";
import { noteSection } from "./note.ts";
import { problemsSection } from "./problems.ts";
import type { SectionEnv, VisitSection } from "./section.ts";

/**
 * The registry of visit sections. The policy (`visitSections`) picks which ones a company's menu
 * shows and in which order; when several are opened in one round they are asked in registry order
 * (the order below), the order the form has always asked them in.
 */
const BUILT_IN: VisitSection[] = [
  infoSection,
  brandProductsSection,
  inventorySection,
  guidanceSection,
  marketSection,
  infoPointSection,
  forecastSection,
  problemsSection,
  manualSection,
  noteSection,
  keySection,
] as VisitSection[];

const registered: VisitSection[] = [...BUILT_IN];
let version = 0;

export function visitSections(): VisitSection[] {
  return registered;
}

export function visitSection(id: string): VisitSection | undefined {
  return registered.find((s) => s.id === id);
}

/** Bumped on every registration: the form's step list is rebuilt from the registry when it changes. */
export function sectionRegistryVersion(): number {
  return version;
}

function stepIds(steps: Step<SectionEnv>[], out: string[] = []): string[] {
  for (const s of steps) {
    out.push(s.id);
    if (s.type === "group") stepIds(s.steps, out);
  }
  return out;
}

/**
 * Adds a section (a plug-in module or a test's). Its id and step ids must be new: answers of a
 * round live flat in one item, so two sections sharing a step id would read each other's answers.
 */
export function registerVisitSection(section: VisitSection): void {
  if (visitSection(section.id)) throw new Error(`visit section "${section.id}" is registered twice`);
  const taken = new Set(["pick", ...registered.flatMap((s) => stepIds(s.steps))]);
  const clash = stepIds(section.steps).filter((id) => taken.has(id));
  if (clash.length) throw new Error(`visit section "${section.id}" reuses step ids of other sections: ${clash.join(", ")}`);
  registered.push(section);
  version++;
}

/** Start-up check of the policy's `visitSections`: every id must be a registered section. */
export function checkPolicySections(policy: { preset: string; visitSections: readonly string[]; evidence?: { photos: { requiredSections: readonly string[]; byClass: Record<string, readonly string[]> } } }): void {
  const unknown = policy.visitSections.filter((id) => !visitSection(id));
  const known = () => registered.map((s) => s.id).join(", ");
  if (unknown.length) {
    throw new Error(`policy "${policy.preset}": visitSections lists unknown section ${unknown.map((u) => `"${u}"`).join(", ")} (registered: ${known()})`);
  }
  // A photo asked for in a section the menu does not offer would never be asked.
  const photos = policy.evidence?.photos;
  const asked = photos ? [...photos.requiredSections, ...Object.values(photos.byClass).flat()] : [];
  const notInMenu = [...new Set(asked.filter((id) => !policy.visitSections.includes(id)))];
  if (notInMenu.length) {
    throw new Error(`policy "${policy.preset}": evidence.photos names section ${notInMenu.map((u) => `"${u}"`).join(", ")} not in visitSections (${policy.visitSections.join(", ")})`);
  }
}
