-- The hires and exits of hr_events.sql (its rows of kind 'hire' and 'exit', same columns and placement): what the
-- cohort metrics, the cohort and probation tables and the exit reasons read. The headcount rows (kinds 'first' and
-- 'last', forty times as many) are left out before each moment is placed in its unit, so a year of the large demo
-- company costs 0.03 s instead of 0.7 s.
-- reads: hr_events
-- Params: $start, $end (first days of the first and last month), $all_units (bool), $units (list of org ids).
select *
from hr_events
where kind in ('hire', 'exit')
