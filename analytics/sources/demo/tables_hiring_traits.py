"""Candidate traits of the demo company: what is known of every applicant when the hiring decision is made
(``application_traits``: years of experience, same industry, education, the sales aptitude test, the interview).

Drawn from a random stream of their own after the other tables, so the rest of the company is the same with
or without them. Planted on purpose, so the success profile has something true to find and something to reject.
For an application that led to a hire, with ``z`` the person's simulated productivity as a standard score
(``(ln prod − ln 0.89) / 0.30``) and ``failed`` = left before the end of probation:

- assessment score: 62 + 7·z − 6·failed + noise (sd 11), clipped to 0–100 — the strongest trait;
- same industry: probability logistic(−0.5 + 0.5·z − 0.6·failed) — a real, moderate effect;
- interview score: 3.2 + 0.12·z + noise (sd 0.6), clipped to 1–5 — weak;
- years of experience: gamma(2.2, 2.0) × exp(0.08·z) — weak;
- education: secondary 25%, bachelor 60%, master 15%, independent of everything — no effect.

Applicants who were not hired (and open applications) get the same marginal distribution: ``z`` standard normal
and ``failed`` drawn at the hires' own probation-failure rate, so a hire's traits look like anyone's.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.table_state import TableState

EDUCATION = np.array(["secondary", "bachelor", "master"])
EDUCATION_P = [0.25, 0.60, 0.15]
ASSESSMENT_BASE, ASSESSMENT_Z, ASSESSMENT_FAILED, ASSESSMENT_SD = 62.0, 7.0, -6.0, 11.0
INDUSTRY_BASE, INDUSTRY_Z, INDUSTRY_FAILED = -0.5, 0.5, -0.6
INTERVIEW_BASE, INTERVIEW_Z, INTERVIEW_SD = 3.2, 0.12, 0.6
EXPERIENCE_SHAPE, EXPERIENCE_SCALE, EXPERIENCE_Z = 2.2, 2.0, 0.08
AVG_MONTH_DAYS = 365.25 / 12


class HiringTraitTables(TableState):
    def _hiring_traits(self) -> None:
        """``application_traits``: one row per application, planted as the module docstring says."""
        rng = np.random.default_rng([self.seed, 43])
        apps = self.out["applications"].select("application_id", "hired_employee_id")
        people = self.out["employees"].select("employee_id", "hire_date", "termination_date", "probation_months")
        rows = apps.join(people, left_on="hired_employee_id", right_on="employee_id", how="left",
                         maintain_order="left")
        n = rows.height
        ids = rows["hired_employee_id"].fill_null(-1).to_numpy()
        index = np.full(int(max(self.emp.max(), ids.max(), 0)) + 1, -1, np.int64)
        index[self.emp[self.kept]] = self.kept  # employee_id → person index
        person = np.where(ids >= 0, index[np.maximum(ids, 0)], -1)
        hired = person >= 0
        days = (pl.col("termination_date") - pl.col("hire_date")).dt.total_days()
        failed_hire = rows.select((days < pl.col("probation_months") * AVG_MONTH_DAYS).fill_null(False)).to_series()
        failed_hire = failed_hire.to_numpy() & hired
        fail_rate = float(failed_hire[hired].mean()) if hired.any() else 0.2
        z = rng.standard_normal(n)
        prod = self.s.P["prod"][np.maximum(person, 0)]
        z = np.where(hired, (np.log(np.maximum(prod, 1e-9)) - np.log(0.89)) / 0.30, z)
        failed = np.where(hired, failed_hire, rng.random(n) < fail_rate).astype(np.float64)
        assessment = ASSESSMENT_BASE + ASSESSMENT_Z * z + ASSESSMENT_FAILED * failed + \
            ASSESSMENT_SD * rng.standard_normal(n)
        industry_p = 1.0 / (1.0 + np.exp(-(INDUSTRY_BASE + INDUSTRY_Z * z + INDUSTRY_FAILED * failed)))
        interview = INTERVIEW_BASE + INTERVIEW_Z * z + INTERVIEW_SD * rng.standard_normal(n)
        experience = rng.gamma(EXPERIENCE_SHAPE, EXPERIENCE_SCALE, n) * np.exp(EXPERIENCE_Z * z)
        self.out["application_traits"] = pl.DataFrame({
            "application_id": rows["application_id"],
            "years_experience": np.round(np.clip(experience, 0.0, 40.0), 1),
            "same_industry": rng.random(n) < industry_p,
            "education": rng.choice(EDUCATION, n, p=EDUCATION_P),
            "assessment_score": np.round(np.clip(assessment, 0.0, 100.0), 0),
            "interview_score": np.round(np.clip(interview, 1.0, 5.0), 1),
        })
