"""The demo province: a deterministic, realistic synthetic registry for Jiangsu, and demo accounts.

`demo_plan(enterprises=N, seed=S)` computes the enterprises from `random.Random(S)`, the reference
tables in the database (read in code order) and the weight files `registry/data/demo_*.csv`; it
reads no clock and never iterates a set or an unordered mapping, so the same N, seed and reference
data always give the same USCCs, names and figures. `demo_generate` writes the plan with bulk
inserts in one transaction.

How the province is drawn (shares are of the N enterprises):
- city: by the approximate weights in demo_city_weights.csv (苏州 first by far; 苏南 denser than
  苏北); county: within the city by demo_county_weights.csv (default 1.0 for a district, 1.3 for a
  county-level city, 0.9 for a county); 15 % sit in a zone when one exists: a zone of their
  county, or for a 市辖区 a zone directly under the city.
- industry: 55 % from the city's specialities (demo_city_industries.csv), the rest from the
  province-wide background (rows with city `*`); then a 小类 uniformly below the chosen code.
- size: 2023 revenue (万元) is lognormal, median 3,500 × the city's revenue factor, σ = 1.25;
  yearly growth exp(N(5 %, 15 %)); employees ≈ exp(3.69 + 0.8 · (ln revenue − 7.6) + N(0, 0.35)),
  so 2,000 万元 ↔ about 40 people and 10 亿元 ↔ about 900.
- categories: 规上工业企业 in exactly the years with revenue ≥ 2,000 万元; among SMEs (fewer than
  1,000 people or revenue below 40,000 万元), ranked by a latent quality score that favours size,
  the top 25 % of N are 创新型中小企业, the top 8 % also 省级专精特新, the top 1.5 % also
  国家级专精特新"小巨人" (recognition years never decrease along the ladder); 0.3 % of N, the
  largest by size and quality, are 制造业单项冠军.
- 1–2 contacts each (fake names, 1xx phone numbers, @example.com); 4 % have one explicit chain
  membership besides those their industry code gives.

Re-running: enterprises whose USCC is already in the database are skipped (with all their rows), so
the same seed adds nothing the second time and a different seed adds its own enterprises. Every demo
enterprise carries the tag category `demo` (year 2025), so demo data can be recognised and removed.

Modules: `types` (the demo tag, the years, the records a plan and a run consist of), `messages`
(`DemoError` and the bilingual messages), `world` (reference tables read from the database),
`weights` (the weight files), `vocabulary` (characters for fake names), `plan` (`demo_plan`: the
draw), `write` (bulk inserts, skipping USCCs already present), `accounts` (demo accounts, their
table and file) and `generate` (`demo_generate`: all of it in one transaction). This package
re-exports the public API.
"""

from registry.demo.accounts import (
    demo_accounts_create_or_reset,
    demo_accounts_table,
    demo_accounts_write,
    demo_password,
)
from registry.demo.generate import demo_generate
from registry.demo.messages import (
    DEMO_ACCOUNT_CLASH,
    DEMO_ACCOUNTS_OUTSIDE_DEMO,
    DEMO_BAD_COUNT,
    DEMO_BAD_WEIGHTS,
    DEMO_NO_REFERENCE_DATA,
    DemoError,
)
from registry.demo.plan import ABOVE_SCALE_MIN_REVENUE, demo_plan
from registry.demo.types import (
    DEMO_TAG,
    YEARS,
    DemoAccount,
    DemoContact,
    DemoEnterprise,
    DemoResult,
    DemoYear,
)

__all__ = [
    "ABOVE_SCALE_MIN_REVENUE",
    "DEMO_ACCOUNTS_OUTSIDE_DEMO",
    "DEMO_ACCOUNT_CLASH",
    "DEMO_BAD_COUNT",
    "DEMO_BAD_WEIGHTS",
    "DEMO_NO_REFERENCE_DATA",
    "DEMO_TAG",
    "YEARS",
    "DemoAccount",
    "DemoContact",
    "DemoEnterprise",
    "DemoError",
    "DemoResult",
    "DemoYear",
    "demo_accounts_create_or_reset",
    "demo_accounts_table",
    "demo_accounts_write",
    "demo_generate",
    "demo_password",
    "demo_plan",
]
