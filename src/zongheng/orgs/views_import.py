"""Member import from .xlsx (pages). Owned by the import work."""
