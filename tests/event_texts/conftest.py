"""The browser fixtures of tests/e2e, for the browser test of this folder."""

from tests.e2e.conftest import browser, live_server, phone

__all__ = ["browser", "live_server", "phone"]
