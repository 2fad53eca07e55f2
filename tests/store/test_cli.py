"""`fabnet db upgrade` and `fabnet db current`, run through Typer's CliRunner against both backends."""

import json

from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.store import heads, open_store

runner = CliRunner()


def test_db_upgrade_then_current(empty_url: str) -> None:
    before = runner.invoke(app, ["db", "current", "--url", empty_url, "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["up_to_date"] is False

    upgraded = runner.invoke(app, ["db", "upgrade", "--url", empty_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert "up to date" in upgraded.stdout

    current = runner.invoke(app, ["db", "current", "--url", empty_url, "--json"])
    report = json.loads(current.stdout)
    assert report["current"] == list(heads())
    assert report["up_to_date"] is True
    with open_store(empty_url, migrate=False) as store, store.transaction() as uow:
        assert uow.orders.count() == 0


def test_db_upgrade_takes_the_url_from_the_environment(tmp_path, monkeypatch) -> None:
    database = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("FABNET_DATABASE_URL", f"sqlite:///{database}")
    missing = runner.invoke(app, ["db", "current", "--json"])
    assert json.loads(missing.stdout)["current"] == []
    assert not database.exists()  # asking does not create the file
    result = runner.invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == f"sqlite:///{database}"
    assert database.is_file()


def test_unreachable_database_is_a_one_line_error_with_exit_2() -> None:
    result = runner.invoke(app, ["db", "upgrade", "--url", "postgresql+psycopg://postgres@127.0.0.1:1/test"])
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1/test:")
    assert "refused" in message.lower()


def test_bad_urls_are_one_line_errors_with_exit_2(tmp_path) -> None:
    cases = {
        "not a url": "is not valid",
        "mysql://admin:s3cret@db/fabnet": "unsupported database 'mysql'",
        f"sqlite:///{tmp_path}/missing-folder/fabnet.sqlite": "cannot open SQLite file",
    }
    for url, reason in cases.items():
        result = runner.invoke(app, ["db", "current", "--url", url])
        assert result.exit_code == 2, url
        assert reason in result.stderr, result.stderr
        assert "s3cret" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
