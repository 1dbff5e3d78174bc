"""The clinic's revisions."""
