"""The demo district (迎江区, 2018). Built by ``manage.py demo``."""

DEMO_PASSWORD = "zongheng-demo"  # noqa: S105 - demo mode only
DEMO_ACCOUNTS: list[dict[str, str]] = []
