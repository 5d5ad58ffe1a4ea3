"""The three bottom lines: figures, pages, export and API (see queries.py for the rules)."""
