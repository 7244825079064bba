-- Stop numbers of a day's list, fixed when the list is first shown (morning push or /today).
ALTER TABLE "PlannedVisit" ADD COLUMN "stopNo" INTEGER;
