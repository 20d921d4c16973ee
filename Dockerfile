# redfix: the GitHub App service (`redfix serve`, the default command), its worker
# (`redfix worker`), the CLI, and the Action's entry point when a workflow step uses the image
# (`uses: docker://IMAGE`). The whole product: hybrid localization with the Chroma index and
# the MiniLM embedding model (shipped in a PyPI package, loaded offline) are in every image.
#
# Stages: `deps` builds a virtual environment with redfix's dependencies (from pyproject.toml
# alone, so that layer survives code changes); `wheel` builds redfix's own wheel; the runtime
# stage copies the venv and installs the wheel with no network, no compiler and no caches, and
# runs as a non-root user. Only classic-builder instructions are used (no BuildKit needed).
#
# torch: --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu gives the CPU build
# (about 4 GB smaller). Left empty, torch comes from the ordinary index, which on Linux serves
# the CUDA build (it runs on the CPU as well); machines that reach only PyPI need that.
#
# Behind a TLS-intercepting proxy put its CA bundle at extra-ca.pem in the build context
# (scripts/build-image does): pip in the build stages trusts it, the runtime image does not
# carry it. Index mirrors: --build-arg PIP_INDEX_URL=... (and PIP_EXTRA_INDEX_URL).

ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS deps
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG TORCH_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# (`extra-ca.pe[m]` matches the bundle when the context has one and nothing otherwise.)
COPY pyproject.toml extra-ca.pe[m] ./
RUN set -eu; \
    if [ -s extra-ca.pem ]; then printf '[global]\ncert = /src/extra-ca.pem\n' > /etc/pip.conf; fi; \
    python3 -m venv /opt/redfix; \
    if [ -n "$TORCH_INDEX_URL" ]; then \
        /opt/redfix/bin/pip install --quiet --index-url "$TORCH_INDEX_URL" torch; \
    else \
        /opt/redfix/bin/pip install --quiet torch; \
    fi; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt; \
    /opt/redfix/bin/pip install --quiet -r requirements.txt; \
    find /opt/redfix -name '__pycache__' -type d -prune -exec rm -rf {} +

FROM ${BASE_IMAGE} AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY . .
RUN set -eu; \
    if [ -s extra-ca.pem ]; then printf '[global]\ncert = /src/extra-ca.pem\n' > /etc/pip.conf; fi; \
    python3 -m pip wheel --quiet --no-deps --wheel-dir /wheels .

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
# The dependencies' layer changes only with pyproject.toml; redfix's code is a small layer on top.
COPY --from=deps /opt/redfix /opt/redfix
COPY --from=wheel /wheels /wheels
RUN set -eu; \
    /opt/redfix/bin/pip install --quiet --no-deps --no-index --no-cache-dir /wheels/*.whl; \
    rm -rf /wheels; \
    /opt/redfix/bin/python -P -c 'import importlib.resources as r, sys; names = {p.name for p in r.files("prompts").iterdir()}; sys.exit(0 if {"fix.j2", "pr_body.j2"} <= names else "prompts/*.j2 are missing from the installed package")'
ENV PATH=/opt/redfix/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HOME=/home/redfix \
    REDFIX_DATA_DIR=/data
USER 10001:10001
WORKDIR /home/redfix
EXPOSE 8000
# action.container runs CMD, or the Action when a workflow step runs the image (GITHUB_ACTIONS).
ENTRYPOINT ["/opt/redfix/bin/python", "-P", "-m", "action.container"]
CMD ["redfix", "serve", "--host", "0.0.0.0", "--port", "8000"]
