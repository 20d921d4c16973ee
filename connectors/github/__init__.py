"""GitHub through PyGithub: app authentication, the REST gateway, git over HTTPS."""
