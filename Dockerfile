# redfix: the GitHub App service (`redfix serve`, the default command), the CLI, and the
# Action's entry point when a workflow step uses the image (`uses: docker://IMAGE`).
#
# Stage `build` makes a virtual environment holding redfix and its dependencies; the runtime
# stage copies only that venv onto the same slim base, adds git (clone, commit, push) when
# the base lacks it, and runs as a non-root user. The heavy optional extras (torch,
# sentence-transformers, chromadb for the knowledge index) are left out, so the image stays
# small: the default pipeline localizes from tracebacks and talks to Chroma, if at all, as a
# server. Only classic-builder instructions are used (no BuildKit needed).
#
# Behind a TLS-intercepting proxy put its CA bundle at extra-ca.pem in the build context
# (scripts/build-image does): pip in the build stage trusts it, the runtime image does not
# carry it. Index mirrors: --build-arg PIP_INDEX_URL=... (and PIP_EXTRA_INDEX_URL).

ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
# Opt-in heavy extras (e.g. the knowledge index: chromadb, sentence-transformers, torch).
ARG OPTIONAL_PACKAGES=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer survives changes to redfix's code.
# (`extra-ca.pe[m]` matches the bundle when the context has one and nothing otherwise.)
COPY pyproject.toml extra-ca.pe[m] ./
RUN set -eu; \
    if [ -s extra-ca.pem ]; then printf '[global]\ncert = /src/extra-ca.pem\n' > /etc/pip.conf; fi; \
    python3 -m venv /opt/redfix; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt; \
    /opt/redfix/bin/pip install --quiet -r requirements.txt $OPTIONAL_PACKAGES
COPY . .
RUN set -eu; \
    /opt/redfix/bin/pip install --quiet --no-deps .; \
    /opt/redfix/bin/python -P -c 'import importlib.resources as r, sys; names = {p.name for p in r.files("prompts").iterdir()}; sys.exit(0 if {"fix.j2", "pr_body.j2"} <= names else "prompts/*.j2 are missing from the installed package")'

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="redfix" \
      org.opencontainers.image.description="Turns a red build into a validated pull request, with local open-source models." \
      org.opencontainers.image.licenses="Apache-2.0"
RUN set -eu; \
    if ! command -v git >/dev/null 2>&1; then \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git ca-certificates; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    echo 'redfix:x:10001:10001:redfix:/home/redfix:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'redfix:x:10001:' >> /etc/group; \
    mkdir -p /home/redfix /data; \
    chown 10001:10001 /home/redfix /data
COPY --from=build /opt/redfix /opt/redfix
ENV PATH=/opt/redfix/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/redfix \
    REDFIX_DATA_DIR=/data
USER 10001:10001
WORKDIR /home/redfix
EXPOSE 8000
# action.container runs CMD, or the Action when a workflow step runs the image (GITHUB_ACTIONS).
ENTRYPOINT ["/opt/redfix/bin/python", "-P", "-m", "action.container"]
CMD ["redfix", "serve", "--host", "0.0.0.0", "--port", "8000"]
