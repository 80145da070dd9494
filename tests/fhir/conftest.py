from tests.providers.conftest import ilyas, register  # noqa: F401 - shared fixtures
