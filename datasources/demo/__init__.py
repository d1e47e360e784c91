"""Generated demo data sets (ecommerce, hr, edu, ad) for SQLite and PostgreSQL."""
