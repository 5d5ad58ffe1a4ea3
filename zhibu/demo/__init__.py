"""Demo data: `manage.py seed_demo` builds a fictional Shenzhen express industry (seed 003)."""

# The one password of every demo account; the Makefile and the README print the same text.
DEMO_PASSWORD = "zhibu-demo-2024"  # noqa: S105 - a published demo password, never used outside demo data
