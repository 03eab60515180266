-- The success profile's rows, one per application, of two kinds:
--   'hire': people hired between $start and $as_of through an application that has traits, with the traits
--           known at hiring (channel, referral, the candidate's traits, role and job level on the hire date),
--           placed where they sat on the hire date; the probation end and the last day employed (if by $as_of);
--           gender and birth year ride along for the bias check only (never an input of the model);
--   'open': applications still undecided at $as_of (no acceptance, no hire) to a requisition opened by then
--           and neither filled nor cancelled by then, placed in the requisition's unit and role.
-- Params: $start, $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

traits as (
    select * from application_traits
),

hires as (
    select
        'hire' as kind, ap.application_id, ap.requisition_id, ap.channel, ap.applied_date,
        e.employee_id, e.hire_date, e.hire_source, e.referrer_id is not null or e.hire_source = 'referral'
            as referral,
        e.probation_months, (e.hire_date + (e.probation_months) * interval 1 month)::date as probation_end,
        case when e.termination_date <= $as_of::date then e.termination_date end as termination_date,
        a.org_unit_id, a.role_id, a.job_level, e.gender, e.birth_year
    from applications as ap
    join employees as e on e.employee_id = ap.hired_employee_id
    left join assignments as a
        on a.employee_id = e.employee_id and e.hire_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    where e.hire_date between $start::date and $as_of::date
),

open_apps as (
    select
        'open' as kind, ap.application_id, ap.requisition_id, ap.channel, ap.applied_date,
        null::bigint as employee_id, null::date as hire_date, ap.channel as hire_source,
        ap.referrer_id is not null or ap.channel = 'referral' as referral,
        null::integer as probation_months, null::date as probation_end, null::date as termination_date,
        r.org_unit_id, r.role_id, null::integer as job_level, null::varchar as gender, null::integer as birth_year
    from applications as ap
    join requisitions as r using (requisition_id)
    where ap.accepted_date is null and ap.hired_employee_id is null
        and ap.applied_date <= $as_of::date and r.opened_date <= $as_of::date
        and (r.filled_date is null or r.filled_date > $as_of::date)
        and (r.cancelled_date is null or r.cancelled_date > $as_of::date)
),

rows_ as (
    select * from hires
    union all
    select * from open_apps
),

final as (
    select
        x.kind, x.application_id, x.requisition_id, x.channel, x.applied_date, x.employee_id, x.hire_date,
        x.hire_source, x.referral, x.probation_months, x.probation_end, x.termination_date,
        x.org_unit_id, org.region_id, x.role_id, coalesce(ro.carries_quota, false) as carries_quota, x.job_level,
        t.years_experience, t.same_industry, t.education, t.assessment_score, t.interview_score,
        x.gender, x.birth_year
    from rows_ as x
    join traits as t using (application_id)
    left join org on org.org_unit_id = x.org_unit_id
    left join roles as ro on ro.role_id = x.role_id
    where $all_units or list_contains($units, x.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
