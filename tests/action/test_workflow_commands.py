"""Workflow commands and GITHUB_OUTPUT, checked against the runner's documented parsing."""

from __future__ import annotations

import pytest

from action import workflow_commands as wc
from bot.core.errors import ConfigError
from tests.action.conftest import read_outputs


def unescape_data(text: str) -> str:
    """What the runner does to a command's message."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@pytest.mark.parametrize("text", ["plain", "100% sure", "a\nb\r\nc", "%0A literal", "::x::,:"])
def test_messages_survive_the_runners_unescaping(text):
    assert unescape_data(wc.escape_data(text)) == text
    assert unescape_property(wc.escape_property(text)) == text
    assert "\n" not in wc.escape_data(text) and ":" not in wc.escape_property(text)


def test_error_annotation_puts_the_location_in_escaped_properties():
    line = wc.error("assert 3 == 0\nsecond line", file="tests/a,b.py", line=17,
                    title="tests.t::test_x failure")
    assert line == ("::error file=tests/a%2Cb.py,line=17,title=tests.t%3A%3Atest_x failure"
                    "::assert 3 == 0%0Asecond line")


def test_annotation_without_a_file_carries_no_line():
    assert wc.error("boom", line=3, title="redfix") == "::error title=redfix::boom"


def test_outputs_use_a_heredoc_only_for_multiline_values(tmp_path):
    block = wc.output_block({"status": "fixed", "diff": "-a\n+b\nEOF\n", "empty": ""})
    assert block.startswith("status=fixed\ndiff<<ghadelimiter_")
    path = tmp_path / "output"
    path.write_text(block)
    assert read_outputs(path) == {"status": "fixed", "diff": "-a\n+b\nEOF\n", "empty": ""}


def test_every_multiline_value_gets_its_own_delimiter():
    block = wc.output_block({"a": "1\n2", "b": "3\n4"})
    delimiters = [line.split("<<")[1] for line in block.splitlines() if "<<" in line]
    assert len(set(delimiters)) == 2


def test_mask_is_the_add_mask_command():
    assert wc.add_mask("ghs_secret") == "::add-mask::ghs_secret"


def test_an_unwritable_runner_file_is_a_config_error_saying_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot write GITHUB_OUTPUT .*composite action"):
        wc.append_to(tmp_path / "missing" / "output", "a=b\n", variable="GITHUB_OUTPUT")
