"""build_connector and the probes, against two local servers: one Ollama, one OpenAI-compatible."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from bot.core.errors import ConfigError, ModelServiceUnreachable
from connectors.ai import factory
from connectors.ai.factory import build_connector, probe_ollama, probe_openai_compatible
from connectors.ai.ollama import OllamaServiceConnector
from connectors.ai.openai_compat import OpenAICompatibleConnector

OPENAI_MODELS = {"object": "list", "data": [{"id": "qwen-coder", "object": "model"}]}


@pytest.fixture
def ollama_server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/api/version", method="GET").respond_with_json({"version": "0.6.3"})
    return httpserver


@pytest.fixture
def openai_server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    httpserver_ipv4.expect_request("/v1/models", method="GET").respond_with_json(OPENAI_MODELS)
    for path in ("/v1/api/version", "/api/version"):
        httpserver_ipv4.expect_request(path).respond_with_data("404 page not found", status=404)
    return httpserver_ipv4


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def test_auto_picks_ollama_where_ollama_answers(
    ollama_server: HTTPServer, openai_server: HTTPServer
) -> None:
    url = ollama_server.url_for("")

    connector = build_connector("auto", base_url=url)

    assert isinstance(connector, OllamaServiceConnector)
    assert connector.base_url == url.rstrip("/")
    assert paths(ollama_server) == ["/api/version"]
    assert paths(openai_server) == []


def test_auto_falls_back_to_openai_compatible_after_asking_for_ollama(
    ollama_server: HTTPServer, openai_server: HTTPServer
) -> None:
    url = openai_server.url_for("/v1")

    connector = build_connector("auto", base_url=url, api_key="sk-x", timeout_s=30)

    assert isinstance(connector, OpenAICompatibleConnector)
    assert connector.base_url == url
    assert connector.timeout_s == 30
    assert paths(openai_server) == ["/v1/api/version", "/api/version", "/v1/models"]
    assert paths(ollama_server) == []


def test_auto_without_a_url_asks_the_default_ollama_address(
    ollama_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(factory, "DEFAULT_OLLAMA_URL", ollama_server.url_for(""))

    connector = build_connector("auto", base_url=None)

    assert isinstance(connector, OllamaServiceConnector)


def test_auto_explains_both_ways_out_when_nothing_answers(closed_port_url: str) -> None:
    with pytest.raises(ModelServiceUnreachable) as caught:
        build_connector("auto", base_url=closed_port_url)

    message = str(caught.value)
    assert f"no model server answers at {closed_port_url}" in message
    assert "ollama serve" in message
    assert "--connector openai --base-url URL/v1" in message


def test_auto_refuses_a_server_that_is_neither(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/version").respond_with_data("<html>", content_type="text/html")
    httpserver.expect_request("/models").respond_with_json({"status": "ok"})

    with pytest.raises(ModelServiceUnreachable, match="no model server answers"):
        build_connector("auto", base_url=httpserver.url_for(""))


def test_explicit_kinds_build_without_probing(closed_port_url: str) -> None:
    ollama = build_connector(" Ollama ", base_url=None)
    openai = build_connector("openai", base_url=f"{closed_port_url}/v1", api_key="k")

    assert isinstance(ollama, OllamaServiceConnector)
    assert ollama.base_url == "http://localhost:11434"
    assert isinstance(openai, OpenAICompatibleConnector)


def test_openai_without_a_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--connector openai needs the server's /v1 URL"):
        build_connector("openai", base_url=None)


def test_an_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown connector 'vllm': use one of ollama, openai"):
        build_connector("vllm", base_url="http://127.0.0.1:8000/v1")


def test_probe_ollama_needs_a_version_answer(httpserver: HTTPServer, closed_port_url: str) -> None:
    httpserver.expect_request("/api/version").respond_with_json({"status": "ok"})

    assert not probe_ollama(httpserver.url_for(""), 1.0)
    assert not probe_ollama(closed_port_url, 1.0)


def test_probe_openai_counts_a_guarded_models_list(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models").respond_with_json(
        {"error": {"message": "missing API key"}}, status=401
    )

    assert probe_openai_compatible(httpserver.url_for("/v1"))


def test_auto_prefers_ollamas_native_api_over_its_v1_endpoint(ollama_server: HTTPServer) -> None:
    ollama_server.expect_request("/v1/api/version").respond_with_data("not found", status=404)
    root = ollama_server.url_for("").rstrip("/")

    connector = build_connector("auto", base_url=f"{root}/v1")

    assert isinstance(connector, OllamaServiceConnector)
    assert connector.base_url == root


@pytest.mark.parametrize("url", ["localhost:11434", "ftp://host/v1", "http//host"])
def test_a_base_url_without_http_scheme_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="must start with http:// or https://"):
        build_connector("auto", base_url=url)
