"""The kata pack's own tooling: the catalogue of katas and stub generation (a `kata` command will build on it)."""
