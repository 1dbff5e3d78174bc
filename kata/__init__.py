"""The kata pack's own tooling: the catalogue of katas and stub generation (the `kata` CLI builds on it)."""
