"""The lazy CLI root: every declared group loads, helps, and nothing registers a group it did not declare."""

import importlib
import pkgutil

import pytest
from typer.testing import CliRunner

import fabnet.cli
from fabnet.cli.root import GROUPS, app

runner = CliRunner()


def test_root_help_lists_every_group() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in GROUPS:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_group_help_loads_its_commands(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Commands" in result.output


def test_every_cli_module_imports_and_registers_declared_groups_only() -> None:
    for module in pkgutil.iter_modules(fabnet.cli.__path__):
        importlib.import_module(f"fabnet.cli.{module.name}")  # group() raises for an undeclared group


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["no-such-group"])
    assert result.exit_code == 2


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert fabnet.__version__ in result.output
