"""Options several `redfix` subcommands share: the model server, the model, the sandbox."""

from __future__ import annotations

import argparse

CONNECTORS = ("auto", "ollama", "openai")
SANDBOXES = ("auto", "local", "docker")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--connector", choices=CONNECTORS)
    parser.add_argument("--model", help="model name (REDFIX_MODEL)")
    parser.add_argument("--base-url", dest="base_url",
                        help="Ollama's address, or the /v1 URL of an OpenAI-compatible server")
