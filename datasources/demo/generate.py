"""Deterministic row generators for the demo sets (Faker and `random` with a fixed seed).

`generate(key, scale)` returns `{table: [row tuples in column order]}`. Dates are
ISO strings and fall in 2024-01-01..2025-06-30 whatever today's date is, so the
same seed always gives the same database.
"""

from datasources.demo.business import ad, ecommerce
from datasources.demo.people import edu, hr

GENERATORS = {"ecommerce": ecommerce, "hr": hr, "edu": edu, "ad": ad}


def generate(key: str, scale: float = 1.0) -> dict[str, list[tuple]]:
    """Rows of demo set `key` at `scale` (1.0 = thousands to tens of thousands of rows)."""
    return GENERATORS[key](scale)
