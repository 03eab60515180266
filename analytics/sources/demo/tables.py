"""The table builder: expands the simulated states into the schema's tables."""

from __future__ import annotations

import polars as pl

from analytics.sources.demo.tables_assignments import AssignmentTables
from analytics.sources.demo.tables_care import CareTables
from analytics.sources.demo.tables_development import DevelopmentTables
from analytics.sources.demo.tables_hiring_traits import HiringTraitTables
from analytics.sources.demo.tables_joint import JointTables
from analytics.sources.demo.tables_marketing import MarketingTables
from analytics.sources.demo.tables_people import PeopleTables
from analytics.sources.demo.tables_pipeline import PipelineTables
from analytics.sources.demo.tables_recruiting import RecruitingTables
from analytics.sources.demo.tables_sales import SalesTables
from analytics.sources.demo.tables_talent import TalentTables
from analytics.sources.demo.tables_training import TrainingTables

# the tables of sql/schema.sql (all but meta), in schema order
TABLE_ORDER = [
    "org_units",
    "roles",
    "employees",
    "assignments",
    "compensation",
    "requisitions",
    "applications",
    "application_traits",
    "courses",
    "enrollments",
    "skills",
    "role_skill_requirements",
    "skill_assessments",
    "performance_reviews",
    "engagement",
    "attendance",
    "travel",
    "assistance_referrals",
    "person_measures",
    "mentorships",
    "onboarding",
    "product_lines",
    "customers",
    "account_owners",
    "quotas",
    "orders",
    "collections",
    "opportunities",
    "leads",
    "activities",
    "complaints",
    "csat",
    "goals",
    "reviews",
    "action_items",
    "development_items",
    "career_aims",
    "improvement_plans",
    "care_actions",
    "audit_log",
]


class TableBuilder(
    PeopleTables,
    AssignmentTables,
    RecruitingTables,
    SalesTables,
    PipelineTables,
    TalentTables,
    TrainingTables,
    JointTables,
    DevelopmentTables,
    CareTables,
    HiringTraitTables,
    MarketingTables,
):
    """Builds every table. The steps share one random stream, so their order is part of the output."""

    def build(self) -> dict[str, pl.DataFrame]:
        progress = self.s.progress
        progress(0.7, "Building people tables")
        self._people()
        self._assignments()
        self._compensation()
        self._recruiting()
        progress(0.8, "Building sales tables")
        self._sales()
        self._collections()
        self._opportunities()
        self._activities()
        self._complaints_csat()
        progress(0.9, "Building talent tables")
        self._attendance_engagement()
        self._reviews()
        self._mentoring_onboarding()
        self._enrollments()
        self._skills()
        self._static()
        self._development()
        self._improvement_plans()
        self._care()  # a random stream of its own: the tables before and after are the same without it
        self._hiring_traits()  # a stream of its own too
        self._marketing()  # and this one (issue 21)
        self._joint()
        progress(1.0, "Demo company ready")
        return {k: self.out[k] for k in TABLE_ORDER}
