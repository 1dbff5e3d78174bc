"""The clinic's Alembic environment (given): kata 11.6 migrates the test database with it."""
