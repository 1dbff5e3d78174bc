"""The kata harness: options, fixtures and report hooks live in fixtures/ (see fixtures/__init__.py)."""

pytest_plugins = ["fixtures.isolation", "fixtures.plugin", "fixtures.shop.plugin"]
