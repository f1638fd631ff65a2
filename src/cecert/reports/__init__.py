"""Reporting (Articles 3, 11(4), 14): completion by region, employer, industry, year and subject."""
