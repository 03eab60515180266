"""The Viewer: who is looking, which org units and which fields they may see.

Every analytics entry point takes a Viewer and filters in the data layer (SQL parameters
``$all_units`` / ``$units``) before anything is aggregated. Login and roles come later; the
seam is here: a Viewer is plain data, hashable, and its ``scope_key`` goes into every cache key.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

#: Field groups that a role may or may not see (absent, not hidden, when not allowed):
#: person = person-level rows; pay = everyone's salary and commission; pay_reports = pay of one's own
#: (direct and indirect) reports only; personal_details = birth year, gender; admin = users, settings, audit.
FIELD_GROUPS = ("person", "pay", "personal_details")


@dataclass(frozen=True)
class Viewer:
    """A person looking at Tandem with a scope.

    ``org_units`` None means the whole company; otherwise the ids of the org units (regions or
    teams) they may see, each including everything below it. ``fields`` lists the field groups
    allowed: ``person`` = person-level rows, ``pay`` = salary and commission.
    """

    user: str
    org_units: frozenset[str] | None = None
    fields: frozenset[str] = field(default_factory=lambda: frozenset(FIELD_GROUPS))
    suppression_threshold: int = 5
    roles: frozenset[str] = frozenset()
    employee_id: int | None = None
    narrowed_below_scope: bool = False  # limited (sidebar, drill) to part of the scope the roles give

    @property
    def person_level(self) -> bool:
        return "person" in self.fields

    @property
    def sees_pay(self) -> bool:
        """Sees pay of everyone in scope (HR head)."""
        return "pay" in self.fields

    @property
    def sees_any_pay(self) -> bool:
        """Sees pay of everyone in scope, or of their own reports (sales director)."""
        return "pay" in self.fields or ("pay_reports" in self.fields and self.employee_id is not None)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.fields

    @property
    def sees_nothing(self) -> bool:
        """A user with no role (or a disabled one): no unit in scope."""
        return self.org_units is not None and not self.org_units

    @property
    def scope_key(self) -> str:
        """A stable string naming the scope and rights: part of every cached call's key."""
        units = "*" if self.org_units is None else ",".join(sorted(self.org_units))
        return (f"{self.user}|{units}|{','.join(sorted(self.fields))}|{self.suppression_threshold}|"
                f"{self.employee_id}" + ("|narrowed" if self.narrowed_below_scope else ""))

    def sql_params(self) -> dict[str, object]:
        """Bound parameters for the scope filter of the named queries."""
        if self.org_units is None:
            return {"all_units": True, "units": []}
        return {"all_units": False, "units": sorted(self.org_units)}

    def narrowed(self, org_unit_id: str | None, tree: dict[str, str | None] | None = None) -> Viewer:
        """This viewer limited to one org unit chosen in the sidebar (never widened).

        ``tree`` maps org unit → parent; it is used to check the choice lies inside the scope.
        """
        if org_unit_id is None or org_unit_id == "company":
            return self
        if self.org_units is not None:
            tree = tree or {}
            if _ancestors(org_unit_id, tree) & self.org_units:  # inside the scope: narrow to it
                units = frozenset({org_unit_id})
            else:  # broader than the scope (a region around a manager's team): keep the allowed units under it
                units = frozenset(u for u in self.org_units if org_unit_id in _ancestors(u, tree))
        else:
            units = frozenset({org_unit_id})
        below = self.narrowed_below_scope or units != self.org_units
        return replace(self, org_units=units, narrowed_below_scope=below)


def unit_in_scope(viewer: Viewer, unit: str | None, tree: dict[str, str | None]) -> bool:
    """True when ``unit`` (None: the whole company, for whole-company viewers only) lies in the viewer's scope:
    it or a unit above it (``tree``: unit → parent) is one of the viewer's."""
    if viewer.org_units is None:
        return True
    return unit is not None and bool(_ancestors(unit, tree) & viewer.org_units)


def _ancestors(unit: str, tree: dict[str, str | None]) -> set[str]:
    out, cur = set(), unit
    while cur is not None and cur not in out:
        out.add(cur)
        cur = tree.get(cur)
    return out


def full_access(user: str = "system", suppression_threshold: int = 5) -> Viewer:
    """The viewer with every unit and field: the command line and the demo, until login exists."""
    return Viewer(user=user, suppression_threshold=suppression_threshold)
