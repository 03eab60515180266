-- Tandem warehouse schema. Applied by analytics/core/db.py; version in meta('schema_version').
-- Dates are DATE; "valid_to" / "termination_date" are inclusive (last day the fact holds).
-- Money is in the company currency (CNY in the demo), DOUBLE.
-- Every statement is idempotent (IF NOT EXISTS) so the schema can be re-applied safely.

create table if not exists meta (
    key   varchar primary key,
    value varchar not null
);

-- ───────────────────────────── HR ─────────────────────────────

-- company → region → team tree; names are bilingual data.
create table if not exists org_units (
    org_unit_id varchar primary key,
    parent_id   varchar,                 -- null for the company root
    level       varchar not null,        -- 'company' | 'region' | 'team' | 'department' (a head-office function, e.g. marketing, outside the sales regions)
    name_en     varchar not null,
    name_zh     varchar not null,
    opened_date date,
    closed_date date
);

-- Job roles as data: which are sales roles and which carry a quota.
create table if not exists roles (
    role_id       varchar primary key,   -- e.g. 'sales_rep', 'ka_rep', 'team_lead'
    name_en       varchar not null,
    name_zh       varchar not null,
    family        varchar not null,      -- 'sales' | 'management' | 'support' | 'hr'
    carries_quota boolean not null,
    career_step   integer                -- rep 1 → supervisor 2 → regional manager 3
);

create table if not exists employees (
    employee_id      bigint primary key,
    external_key     varchar,            -- id in the source system, for imports
    name             varchar not null,
    gender           varchar,            -- 'F' | 'M' | null
    birth_year       integer,
    hire_date        date not null,
    termination_date date,               -- last day employed; null while employed
    exit_type        varchar,            -- 'voluntary' | 'involuntary' | 'other' | null
    exit_reason      varchar,            -- code, e.g. 'compensation', 'career', 'performance'
    regretted        boolean,
    hire_source      varchar,            -- channel: 'referral', 'job_board', 'campus', 'agency', 'event', 'internal'
    referrer_id      bigint,
    probation_months integer not null default 3
);

-- Effective-dated placement: who sat in which org unit, under whom, in which role and level.
create table if not exists assignments (
    assignment_id bigint primary key,
    employee_id   bigint not null,
    org_unit_id   varchar not null,
    manager_id    bigint,
    role_id       varchar not null,
    job_level     integer not null,      -- 1 (junior) .. 6
    valid_from    date not null,
    valid_to      date                   -- inclusive; null = open
);

create table if not exists compensation (
    employee_id     bigint not null,
    valid_from      date not null,
    valid_to        date,
    base_monthly    double not null,     -- base salary per month
    commission_plan varchar,             -- plan id under data/plans/
    primary key (employee_id, valid_from)
);

create table if not exists requisitions (
    requisition_id    bigint primary key,
    org_unit_id       varchar not null,
    role_id           varchar not null,
    key_position      boolean not null,
    opened_date       date not null,
    target_date       date not null,     -- date the seat should be filled by
    filled_date       date,              -- offer accepted
    cancelled_date    date,
    recruiter         varchar,
    hired_employee_id bigint
);

create table if not exists applications (
    application_id    bigint primary key,
    requisition_id    bigint not null,
    channel           varchar not null,  -- same codes as employees.hire_source
    applied_date      date not null,
    screened_date     date,
    interviewed_date  date,
    offered_date      date,
    accepted_date     date,
    hired_employee_id bigint,
    referrer_id       bigint
);

-- What is known of a candidate when the hiring decision is made, one row per application (the success
-- profile's inputs; never gender, age, marital status or ethnicity).
create table if not exists application_traits (
    application_id   bigint primary key,  -- applications.application_id
    years_experience double,              -- years of relevant work experience
    same_industry    boolean,             -- worked in the company's industry before
    education        varchar,             -- 'secondary' | 'bachelor' | 'master'
    assessment_score double,              -- sales aptitude test, 0–100
    interview_score  double               -- structured interview, 1–5
);

create table if not exists courses (
    course_id     varchar primary key,
    name_en       varchar not null,
    name_zh       varchar not null,
    category      varchar not null,      -- 'onboarding' | 'ka' | 'skills' | 'management' | 'product'
    skill_id      varchar,               -- the skill it develops
    target_metric varchar,               -- registry metric id it is meant to move
    hours         double
);

create table if not exists enrollments (
    enrollment_id  bigint primary key,
    employee_id    bigint not null,
    course_id      varchar not null,
    enrolled_date  date not null,
    completed_date date,
    completed      boolean not null,
    pre_score      double,               -- 0..100
    post_score     double                -- 0..100
);

create table if not exists skills (
    skill_id varchar primary key,
    name_en  varchar not null,
    name_zh  varchar not null,
    category varchar not null
);

-- Required score (1–5) per role and skill: the yardstick for gaps and radar charts.
create table if not exists role_skill_requirements (
    role_id        varchar not null,
    skill_id       varchar not null,
    required_score double not null,
    primary key (role_id, skill_id)
);

create table if not exists skill_assessments (
    employee_id   bigint not null,
    skill_id      varchar not null,
    assessed_date date not null,
    score         double not null,       -- 1..5
    primary key (employee_id, skill_id, assessed_date)
);

create table if not exists performance_reviews (
    employee_id bigint not null,
    quarter     varchar not null,        -- fiscal quarter label, e.g. '2025-Q3'
    review_date date not null,
    rating      integer not null,        -- 1..5
    potential   integer not null,        -- 1..3
    reviewer_id bigint,
    -- values and collaboration (issue 21; nullable: older files load without them)
    value_customer    integer,           -- customer first, 1..5
    value_teamwork    integer,           -- teamwork, 1..5
    value_results     integer,           -- results, 1..5
    collaboration     integer,           -- cross-department collaboration, 1..5
    veto              boolean,           -- one-vote veto (e.g. grabbing colleagues' orders, 抢单)
    veto_reason       varchar,
    primary key (employee_id, quarter)
);

-- databases written before the values columns: add them (a no-op once they are there)
alter table performance_reviews add column if not exists value_customer integer;
alter table performance_reviews add column if not exists value_teamwork integer;
alter table performance_reviews add column if not exists value_results integer;
alter table performance_reviews add column if not exists collaboration integer;
alter table performance_reviews add column if not exists veto boolean;
alter table performance_reviews add column if not exists veto_reason varchar;

create table if not exists engagement (
    employee_id      bigint not null,
    survey_date      date not null,
    engagement_score double not null,    -- 1..5
    manager_score    double,             -- 1..5
    enps             integer,            -- -100..100 style answer 0..10
    primary key (employee_id, survey_date)
);

create table if not exists attendance (
    employee_id    bigint not null,
    month          date not null,        -- first day of the month
    overtime_hours double not null,
    leave_days     double not null,
    primary key (employee_id, month)
);

-- Days away on business per month (care signals: travel above the team's usual three months running).
create table if not exists travel (
    employee_id bigint not null,
    month       date not null,           -- first day of the month
    travel_days double not null,
    primary key (employee_id, month)
);

-- Referrals to the employee assistance programme (EAP): who was referred and when, never what for. Seen by
-- name by the HR head only (personal details); elsewhere counted.
create table if not exists assistance_referrals (
    employee_id   bigint not null,
    referral_date date not null,
    source        varchar not null,      -- 'self' | 'manager' | 'hr'
    primary key (employee_id, referral_date)
);

-- Other dated measures an HR system keeps per person (HR Data Set v14's columns, among others): shown on the person
-- page; 'satisfaction' (1–5), 'special_projects' (count), 'days_late_30' (days late in the 30 days before),
-- 'absences' (days absent in the year before).
create table if not exists person_measures (
    employee_id bigint not null,
    measured_on date not null,
    measure     varchar not null,
    value       double not null,
    primary key (employee_id, measured_on, measure)
);

create table if not exists mentorships (
    mentorship_id bigint primary key,
    mentor_id     bigint not null,
    mentee_id     bigint not null,
    start_date    date not null,
    end_date      date
);

-- 30-day onboarding plan progress for new hires.
create table if not exists onboarding (
    employee_id  bigint primary key,
    plan_start   date not null,
    tasks_total  integer not null,
    tasks_done   integer not null,       -- done within the first 30 days
    completed_on date
);

-- ───────────────────────────── Sales ─────────────────────────────

create table if not exists product_lines (
    product_line_id varchar primary key,
    name_en         varchar not null,
    name_zh         varchar not null,
    launched_date   date
);

create table if not exists customers (
    customer_id  bigint primary key,
    external_key varchar,
    name         varchar not null,
    tier         varchar not null,       -- 'KA' | 'regular'
    region_id    varchar,                -- org unit of level 'region'
    industry     varchar,
    created_date date
);

create table if not exists account_owners (
    customer_id bigint not null,
    employee_id bigint not null,
    valid_from  date not null,
    valid_to    date,
    primary key (customer_id, valid_from)
);

create table if not exists quotas (
    employee_id bigint not null,
    month       date not null,           -- first day of the month
    amount      double not null,
    primary key (employee_id, month)
);

create table if not exists orders (
    order_id        bigint primary key,
    employee_id     bigint,              -- the rep credited
    customer_id     bigint not null,
    order_date      date not null,
    amount          double not null,
    product_line_id varchar,
    is_new_customer boolean not null     -- the customer's first-ever order
);

create table if not exists collections (
    collection_id  bigint primary key,
    order_id       bigint not null,
    collected_date date not null,
    amount         double not null
);

create table if not exists opportunities (
    opportunity_id      bigint primary key,
    external_key        varchar,
    employee_id         bigint,
    customer_id         bigint,
    product_line_id     varchar,
    stage               varchar not null, -- 'prospecting' | 'engaging' | 'proposal' | 'won' | 'lost'
    amount              double,           -- expected value
    created_date        date not null,
    expected_close_date date,
    closed_date         date,
    close_value         double
);

-- Leads: generated by a marketing team, passed to a sales rep; converted = became a customer's order.
create table if not exists leads (
    lead_id           bigint primary key,
    external_key      varchar,               -- id in the CRM / marketing system
    created_on        date not null,
    source            varchar not null,      -- 'web' | 'event' | 'partner' | 'campaign' | 'referral' | 'other'
    campaign          varchar,
    marketing_unit_id varchar,               -- the marketing team that generated it (org unit)
    owner_id          bigint,                -- the sales rep it was passed to
    qualified_on      date,
    converted_on      date,                  -- won: became a customer / an order
    lost_on           date,
    customer_id       bigint                 -- when converted
);

create table if not exists activities (
    activity_id   bigint primary key,
    employee_id   bigint not null,
    customer_id   bigint,
    activity_date date not null,
    kind          varchar not null,      -- 'visit' | 'call' | 'proposal'
    due_date      date,                  -- proposals: when it was due
    on_time       boolean                -- proposals: submitted by due_date
);

create table if not exists complaints (
    complaint_id   bigint primary key,
    customer_id    bigint not null,
    employee_id    bigint,
    complaint_date date not null,
    severity       integer not null,     -- 1 (minor) .. 3 (serious)
    category       varchar
);

create table if not exists csat (
    response_id bigint primary key,
    customer_id bigint not null,
    employee_id bigint,
    survey_date date not null,
    score       integer not null         -- 1..5
);

-- ───────────────────────────── Joint ─────────────────────────────

create table if not exists goals (
    goal_id     varchar primary key,
    parent_id   varchar,
    level       varchar not null,        -- 'strategy' | 'sales' | 'hr'
    title_en    varchar not null,
    title_zh    varchar not null,
    metric_id   varchar,                 -- registry id; actual is computed, never typed
    target      double,
    direction   varchar,                 -- 'up' | 'down'
    period      varchar,                 -- period string, e.g. 'FY2025'
    org_unit_id varchar,                 -- scope of the goal; null = company
    owner       varchar,
    action_en   varchar,
    action_zh   varchar
);

create table if not exists reviews (
    review_id  bigint primary key,
    kind       varchar not null,         -- 'monthly' | 'quarterly'
    period     varchar not null,
    as_of      date not null,
    scope      varchar not null,         -- serialised viewer scope
    title      varchar,
    snapshot   json,                     -- the numbers shown, frozen
    created_by varchar,
    created_at timestamp not null
);

create table if not exists action_items (
    item_id        bigint primary key,
    review_id      bigint not null,
    text           varchar not null,
    owner          varchar,
    due_date       date,
    status         varchar not null,     -- 'open' | 'in_progress' | 'done' | 'dropped'
    created_at     timestamp not null,
    closed_at      timestamp,
    carried_from   bigint                -- item_id in an earlier meeting
);

-- A person's development plan (成长档案, the person page), edited together by the director and HR: items carried
-- like meeting action items until done or dropped. Not facts: editing one changes no figure (no new data version).
create table if not exists development_items (
    item_id     bigint primary key,
    employee_id bigint not null,
    text        varchar not null,
    owner       varchar,
    due_date    date,
    status      varchar not null,        -- 'open' | 'in_progress' | 'done' | 'dropped'
    created_by  varchar,
    created_at  timestamp not null,
    closed_at   timestamp
);

-- A person's career aim on their page: the role they aim for, in words, and by when.
create table if not exists career_aims (
    employee_id    bigint primary key,
    target_role_id varchar,
    aim            varchar,
    by_year        integer,
    updated_by     varchar,
    updated_at     timestamp not null
);

-- Improvement plans (the person page, the coaching list): opened for a rep under target two quarters running, with
-- the cause found and the actions taken; followed to a review date. Its outcome is computed from the facts
-- (recovered = at target in each of the two quarters after the one it was opened in; moved; left), not typed.
create table if not exists improvement_plans (
    plan_id         bigint primary key,
    employee_id     bigint not null,
    opened_on       date not null,
    cause           varchar not null,    -- 'skills' | 'attitude' | 'territory' | 'other'
    action_training boolean not null default false,
    action_mentor   boolean not null default false,
    action_post     boolean not null default false,   -- another post (role or team)
    review_date     date not null,
    closed_on       date,                -- closed by the director and HR at a review; null while open
    note            varchar,
    opened_by       varchar,
    created_at      timestamp not null
);

-- What HR and the director did about a care signal (data/care.toml): a talk, a workload change, leave, a referral.
create table if not exists care_actions (
    action_id   bigint primary key,
    employee_id bigint not null,
    rule_id     varchar not null,        -- the care rule whose signal it answers
    action      varchar not null,        -- 'talk' | 'workload' | 'leave' | 'referral' | 'other'
    note        varchar,
    done_on     date not null,
    recorded_by varchar,
    created_at  timestamp not null
);

create table if not exists audit_log (
    event_id bigint primary key,
    occurred_at timestamp not null,
    actor    varchar not null,
    action   varchar not null,           -- 'demo', 'import', 'export', 'login', ...
    target   varchar,
    scope    varchar,
    n_rows   bigint,
    detail   varchar
);

-- ───────────────────────────── Usage ─────────────────────────────

-- What users say they miss (意见反馈): a note from the feedback button of any page, with the page and period it was
-- written on, for the admins (the Usage page). Bookkeeping, not a fact: writing one bumps no data version.
create table if not exists feedback (
    feedback_id bigint primary key,
    created_at  timestamp not null,
    username    varchar not null,
    roles       varchar,                 -- the writer's roles then, comma-separated
    page        varchar,                 -- the page's address (slug)
    period      varchar,                 -- the sidebar period's label, e.g. '2025-Q4'
    grain       varchar,                 -- 'month' | 'quarter' | 'fiscal_year' | 'range'
    scope       varchar,                 -- the sidebar scope: an org unit id, or null for the user's whole scope
    lang        varchar,                 -- 'en' | 'zh'
    note        varchar not null,        -- at most usage_log.NOTE_MAX characters
    status      varchar not null default 'open',  -- 'open' | 'handled'
    handled_by  varchar,
    handled_at  timestamp
);

-- ───────────────────────────── Access ─────────────────────────────

-- Local accounts (argon2id hashes) and OIDC users matched by e-mail. No plain or reversible secrets.
create table if not exists users (
    username        varchar primary key,
    display_name    varchar,
    password_hash   varchar,             -- argon2id; null for OIDC-only users
    email           varchar,
    employee_id     bigint,              -- the person this user is (sales directors see pay of their reports)
    disabled        boolean not null default false,
    is_demo         boolean not null default false,
    created_at      timestamp not null,
    failed_attempts integer not null default 0,
    last_failed_at  timestamp,
    last_login_at   timestamp
);

-- Roles and scopes are data: one row per grant; a person can hold several.
create table if not exists user_roles (
    username    varchar not null,
    role        varchar not null,        -- 'admin' | 'hr_head' | 'sales_director' | 'manager' | 'analyst'
    org_unit_id varchar not null,        -- 'company' for everything, else a region or team id
    primary key (username, role, org_unit_id)
);

-- Signed-in browser sessions: only the sha256 of each token is kept (the token itself lives in the user's
-- HttpOnly cookie). A session ends at sign-out, at a password change, or after the idle time.
create table if not exists user_sessions (
    token_hash  varchar primary key,     -- sha256 hex of the cookie's token
    username    varchar not null,
    created_at  timestamp not null,
    last_seen   timestamp not null,      -- idle expiry counts from here (TANDEM_SESSION_MINUTES)
    revoked_at  timestamp                -- sign-out, password change or rotation; null while valid
);

-- ───────────────────────────── Alerts ─────────────────────────────

-- An alert: one episode of a rule's condition (data/alerts.toml) for one subject, raised once, closed when the
-- condition clears; an owner acknowledges it within the response time and resolves it (analytics/alerts/).
create table if not exists alerts (
    alert_id        bigint primary key,
    rule_id         varchar not null,
    subject         varchar not null,    -- what it is about: 'person:12', 'account:7', 'requisition:3', 'unit:R1', 'request:2'
    org_unit_id     varchar,             -- the team or region it belongs to; null: the whole company
    employee_id     bigint,              -- the person it is about, if any (named to person-level roles only)
    severity        varchar not null,    -- 'urgent' | 'high' | 'medium'
    owner_roles     varchar not null,    -- the roles that answer it, comma-separated
    facts           varchar,             -- JSON: the values behind the condition
    as_of           date not null,       -- the data's as-of date when it was raised
    raised_at       timestamp not null,
    due_at          timestamp not null,  -- raised_at + the rule's response time (a request: its due time)
    acknowledged_at timestamp,
    acknowledged_by varchar,
    resolved_at     timestamp,
    resolved_by     varchar,
    resolution      varchar,
    cleared_at      timestamp,           -- the condition no longer holds: the episode is over
    quiet           boolean not null default false  -- a list's members at the rule's first evaluation: not new,
                                         -- so neither told nor answered (they are the starting point)
);

-- What was done about an alert, in the words of the person who did it.
create table if not exists alert_actions (
    action_id bigint primary key,
    alert_id  bigint not null,
    done_at   timestamp not null,
    done_by   varchar not null,
    text      varchar not null
);

-- Urgent requests from Sales (people short for a project, morale after a complaint): each raises an alert for HR.
create table if not exists alert_requests (
    request_id  bigint primary key,
    kind        varchar not null,        -- 'people_short' | 'morale' | 'other'
    org_unit_id varchar not null,
    people      integer,                 -- people short, when that is the need
    text        varchar not null,
    due_at      timestamp not null,
    filed_by    varchar not null,
    filed_at    timestamp not null
);

-- Every message to a channel: sent, waiting for its next try (backoff), or dead (the dead-letter list).
create table if not exists alert_sends (
    send_id     bigint primary key,
    alert_id    bigint,                  -- null for a channel test
    channel     varchar not null,
    event       varchar not null,        -- 'raised' | 'test'
    status      varchar not null,        -- 'pending' | 'sent' | 'dead'
    attempts    integer not null default 0,
    next_try_at timestamp,
    last_error  varchar,
    receipt     varchar,
    created_at  timestamp not null,
    sent_at     timestamp
);

-- ───────────────────────────── Views ─────────────────────────────

-- Each org unit with the region and team it belongs to (company → region → team): the one place the
-- named queries take a unit's region and team from.
create or replace view org_paths as
select
    org_unit_id, parent_id, level, name_en, name_zh,
    case level when 'team' then parent_id when 'region' then org_unit_id end as region_id,
    case level when 'team' then org_unit_id end as team_id
from org_units;

-- Everyone employed on day d whose assignment that day lies in the scope (all units, or a list of
-- region and team ids): the one definition of "people in scope on a day" for the named queries. The placed
-- form also names the unit (and its region) that put each person in scope, for a stored panel read per scope.
create or replace macro people_in_scope_placed(d, all_units, units) as table
select e.employee_id, a.org_unit_id as scope_unit, o.region_id as scope_region
from employees as e
join assignments as a
    on a.employee_id = e.employee_id and d between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as o on o.org_unit_id = a.org_unit_id
where e.hire_date <= d and (e.termination_date is null or e.termination_date >= d)
    and (all_units or list_contains(units, a.org_unit_id) or list_contains(units, o.region_id));

create or replace macro people_in_scope(d, all_units, units) as table
select employee_id from people_in_scope_placed(d, all_units, units);
