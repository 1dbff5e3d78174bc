"""The notes service's migration environment (Alembic loads its files by path; this marks a package for type checkers)."""
