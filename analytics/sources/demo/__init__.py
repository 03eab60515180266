"""The synthetic demo company: a sales organisation whose data behaves like the real thing.

`build_demo(size, seed, end)` returns one polars frame per table of `sql/schema.sql`
(every table except `meta`), with the schema's columns in schema order.  The company is
simulated month by month over state arrays that hold every person (vectorised numpy:
the only Python loop is over months), then the facts are expanded from those states.

What the data contains, and the effects embedded in it, is described in
`docs/demo_company.md`; the tests in `tests/analytics/sources/test_demo.py` measure the effects
from the frames alone.

The modules, in the order the data flows:

- `config`, `vocabulary`: the sizes and embedded-effect parameters; roles, regions, channels, products, skills
- `dates`, `names`, `matching`, `columns`: small helpers
- `sim_state` → `sim_org`, `sim_staffing`, `sim_exits`, `sim_customers`, `sim_sales` → `simulation`:
  the month-by-month simulation, one mixin per concern
- `table_state` → `tables_people`, `tables_assignments`, `tables_recruiting`, `tables_sales`,
  `tables_pipeline`, `tables_talent`, `tables_training`, `tables_joint` → `tables`: one mixin per table family
- `build`: `build_demo`
"""

from analytics.sources.demo.build import build_demo
from analytics.sources.demo.config import SIZES
from analytics.sources.demo.dates import default_end_month

__all__ = ["SIZES", "build_demo", "default_end_month"]
