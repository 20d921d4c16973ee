"""What lets pip in a set-up container reach a package index from this machine.

The set-up containers that build the dependency images (connectors.sandbox.images)
install from the network, so they get the CA bundle this machine trusts (the
configured one, else the system's) and this machine's pip index and proxy
settings, read from pip.conf's [global]/[install] sections and the environment.
Only what lets pip reach an index is taken: host paths (find-links, file:
indexes, constraints) mean nothing inside the container.
"""

from __future__ import annotations

import configparser
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.core.errors import ConfigError

DEFAULT_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PIP_SETTINGS = {  # pip.conf key -> environment variable
    "index-url": "PIP_INDEX_URL",
    "extra-index-url": "PIP_EXTRA_INDEX_URL",
    "trusted-host": "PIP_TRUSTED_HOST",
    "timeout": "PIP_DEFAULT_TIMEOUT",
    "default-timeout": "PIP_DEFAULT_TIMEOUT",
}
PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
)
PIP_CONFIG_FILES = (
    "/etc/pip.conf", "/etc/xdg/pip/pip.conf", "~/.config/pip/pip.conf", "~/.pip/pip.conf",
)


log = logging.getLogger(__name__)


def resolve_ca_bundle(ca_bundle: Path | None) -> Path | None:
    """The CA bundle the set-up container trusts: the given one, else the system's if any."""
    if ca_bundle is None:
        return DEFAULT_CA_BUNDLE if DEFAULT_CA_BUNDLE.is_file() else None
    if not ca_bundle.is_file():
        raise ConfigError(f"ca_bundle {ca_bundle}: no such file; point it at a PEM bundle "
                          "of the CA certificates your network needs")
    return ca_bundle.resolve()


def _usable(name: str, value: str) -> str:
    """Drop index URLs that name host files: they do not exist inside the container."""
    if name not in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        return value
    return " ".join(url for url in value.split() if not url.startswith("file:"))


def host_pip_environment(
    env: Mapping[str, str], config_files: Sequence[str] = PIP_CONFIG_FILES
) -> dict[str, str]:
    """The index and proxy settings of this machine's pip, as variables for the set-up container.

    pip.conf's [global] section first, the environment over it. Only what lets pip
    reach an index is taken: host paths (find-links, file: indexes, constraints) mean
    nothing inside the container.
    """
    found: dict[str, str] = {}
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read([os.path.expanduser(path) for path in config_files])
    except configparser.Error as exc:  # pip would complain itself; the environment still counts
        log.warning("ignoring an unreadable pip configuration: %s", exc)
    for section in ("global", "install"):
        if parser.has_section(section):
            for key, variable in PIP_SETTINGS.items():
                if parser.has_option(section, key):
                    found[variable] = " ".join(parser.get(section, key).split())
    for variable in (*set(PIP_SETTINGS.values()), *PROXY_VARIABLES):
        if env.get(variable):
            found[variable] = env[variable]
    usable = {name: _usable(name, value) for name, value in found.items()}
    return {name: value for name, value in sorted(usable.items()) if value}
