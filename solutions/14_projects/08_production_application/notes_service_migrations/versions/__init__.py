"""The notes service's revisions."""
