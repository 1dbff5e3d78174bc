"""The kata pack's own tooling: the catalogue of katas, stub generation, and the `kata` command (cli.py)."""
