"""The headings of a failure's SQL listing: written by the harness (fixtures.recording), laid out by `kata test`.

They live here, in the installed package, because the `kata` command runs where `fixtures/` is not
importable (a console script's path is the venv's, not the pack root).
"""

LEARNER_HEADING = "Your code sent"
TEST_HEADING = "The test itself sent"
