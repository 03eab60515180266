-- The alerts raised from $start to $end (by the day raised) in scope, for the metric alert_response_24h: whether
-- each counts yet (acknowledged, or its response time ran out by $now) and whether it was acknowledged within its
-- response time. Alerts recorded as a list's starting point (quiet) are not raised and not counted. Company-wide
-- alerts (no unit) are in scope for whole-company viewers only.
-- Params: $start, $end (dates), $now (timestamp), $all_units, $units.
select
    a.alert_id,
    a.rule_id,
    cast(a.raised_at as date) as day,
    p.region_id,
    p.team_id,
    a.acknowledged_at is not null or a.due_at <= $now as counted,
    a.acknowledged_at is not null and a.acknowledged_at <= a.due_at as in_time
from alerts as a
left join org_paths as p on p.org_unit_id = a.org_unit_id
where not a.quiet
    and cast(a.raised_at as date) between $start and $end
    and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, p.region_id))
order by a.alert_id
