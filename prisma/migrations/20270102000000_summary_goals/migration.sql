-- The monthly summary as the standards write it: next month's targets beside the focus (五步法 月度市场分析: 下月目标, 问题及原因分析, 下月工作重点).
ALTER TABLE "WorkSummary" ADD COLUMN "goals" TEXT NOT NULL DEFAULT '';
