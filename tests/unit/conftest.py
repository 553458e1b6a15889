from tests.unit.domain_fixtures import world  # noqa: F401  (the shared domain fixture)
