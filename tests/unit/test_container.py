"""The container files: the image runs the bot as a user, and compose gives it PostgreSQL and only real settings.

No Docker daemon is needed: the files are read and checked against the settings the bot knows.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bot.config import DEFAULT_DATABASE_URL, Settings, checked_database_url, checked_shards
from bot.db.keys import DEFAULT_KEY_FILE

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` laid over `base` as `docker compose -f base -f override` does for maps (scalars replaced)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merged(base[key], value)
        else:
            merged[key] = value
    return merged


def _sharded_services() -> dict[str, Any]:
    """The services of `docker compose -f compose.yaml -f compose.shards.yaml` (YAML merge keys resolved)."""
    override = yaml.safe_load((ROOT / "compose.shards.yaml").read_text())
    assert isinstance(override, dict)
    services = _merged(_compose(), override)["services"]
    assert isinstance(services, dict)
    return services


def _dockerfile() -> dict[str, list[str]]:
    """Each instruction of the Dockerfile with its arguments, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, rest = line.strip().partition(" ")
            found.setdefault(instruction.upper(), []).append(rest.strip())
    return found


def _interpolated(value: str) -> str:
    """A compose value with each `${NAME...}` replaced by a sample, as compose would fill it in from .env."""
    return re.sub(r"\$\{[A-Z_]+[^}]*\}", "sample", value)


def test_the_image_is_python_311_slim_and_runs_the_bot_as_a_user_who_is_not_root() -> None:
    dockerfile = _dockerfile()
    assert dockerfile["FROM"] == ["python:3.11-slim"]
    assert dockerfile["CMD"] == ['["python", "-m", "bot"]']
    (user,) = dockerfile["USER"]
    assert user not in ("root", "0")
    assert any("useradd" in step and user in step for step in dockerfile["RUN"])
    assert any("pip install" in step for step in dockerfile["RUN"])


def test_the_images_data_folder_is_where_the_default_database_and_key_file_go() -> None:
    dockerfile = _dockerfile()
    (workdir,) = dockerfile["WORKDIR"]
    (volume,) = dockerfile["VOLUME"]
    data = PurePosixPath(workdir) / DEFAULT_KEY_FILE.parent.as_posix()
    assert volume == f'["{data}"]'
    assert DEFAULT_DATABASE_URL.endswith(f"///{DEFAULT_KEY_FILE.parent.as_posix()}/setkeeper.db")
    assert any(f"chown {user}" in step for step in dockerfile["RUN"] for user in dockerfile["USER"])
    # The migrations are found beside the source (bot/db/migrate.py), so the image keeps the source where it is.
    assert "migrations ./migrations" in dockerfile["COPY"]


def test_the_token_and_keys_in_env_never_go_into_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored
    assert "data/" in ignored


def test_compose_runs_setkeeper_beside_postgresql_16_each_on_its_own_volume() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"setkeeper", "db"}
    assert services["db"]["image"] == "postgres:16"
    assert services["setkeeper"]["build"] == "."
    assert services["setkeeper"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    (volume,) = _dockerfile()["VOLUME"]
    data = volume.strip('[]"')
    assert services["setkeeper"]["volumes"] == [f"setkeeper-data:{data}"]
    assert services["db"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert set(compose["volumes"]) == {"setkeeper-data", "postgres-data"}


def test_compose_gives_the_bot_only_settings_it_knows_and_requires_the_token() -> None:
    environment = _compose()["services"]["setkeeper"]["environment"]
    assert set(environment) <= {name.upper() for name in Settings.model_fields}
    assert {"DISCORD_TOKEN", "DATABASE_URL", "ENCRYPTION_KEYS"} <= set(environment)
    assert environment["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN:?")
    test_settings = {
        name.upper()
        for name, field in Settings.model_fields.items()
        if (field.description or "").startswith("Test setting")
    }
    assert not set(environment) & test_settings


def test_the_database_url_names_the_db_service_with_its_user_password_and_database() -> None:
    services = _compose()["services"]
    url = services["setkeeper"]["environment"]["DATABASE_URL"]
    database = services["db"]["environment"]
    user, name = database["POSTGRES_USER"], database["POSTGRES_DB"]
    password = "${POSTGRES_PASSWORD:?put a password in .env as POSTGRES_PASSWORD}"
    assert url == f"postgresql+asyncpg://{user}:{password}@db:5432/{name}"
    assert database["POSTGRES_PASSWORD"] == password
    assert checked_database_url(_interpolated(url)) == f"postgresql+asyncpg://{user}:sample@db:5432/{name}"


def test_the_container_page_says_how_to_run_upgrade_back_up_both_the_database_and_the_key_and_read_logs() -> None:
    page = (ROOT / "docs" / "admins" / "container.md").read_text()
    for said in (
        "docker compose up -d --build",
        "git pull",
        "pg_dump -U setkeeper",
        "pg_restore -U setkeeper",
        "ENCRYPTION_KEYS",
        "/app/data/setkeeper.key",
        "docker compose logs -f setkeeper",
        "upgrades the database",
    ):
        assert said in page, said


BOTS = ("setkeeper", "setkeeper-shard-1", "setkeeper-standby")


def test_the_sharded_compose_runs_two_shard_processes_and_a_standby_beside_postgresql() -> None:
    services = _sharded_services()
    assert set(services) == {*BOTS, "db"}
    served = {}
    for name in BOTS:
        service = services[name]
        assert service["image"] == "setkeeper:local"
        assert service["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert service["restart"] == "unless-stopped"
        environment = service["environment"]
        assert set(environment) <= {key.upper() for key in Settings.model_fields}
        assert environment["DATABASE_URL"] == _compose()["services"]["setkeeper"]["environment"]["DATABASE_URL"]
        shards = checked_shards(int(environment["SHARD_COUNT"]), environment["SHARD_IDS"])
        assert shards.count == 2
        served[name] = shards.ids
    # The two processes serve every shard once; the standby names shards a process already holds, so it waits.
    assert sorted(served["setkeeper"] + served["setkeeper-shard-1"]) == [0, 1]
    assert set(served["setkeeper-standby"]) <= set(served["setkeeper-shard-1"])
    names = [services[name]["environment"]["PROCESS_NAME"] for name in BOTS]
    assert len(set(names)) == len(names)


def test_every_sharded_process_requires_the_one_shared_key_in_env() -> None:
    services = _sharded_services()
    for name in BOTS:
        environment = services[name]["environment"]
        assert environment["ENCRYPTION_KEYS"].startswith("${ENCRYPTION_KEYS:?"), name
        assert environment["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN:?"), name


def test_the_pages_give_the_sharded_compose_command() -> None:
    command = "docker compose -f compose.yaml -f compose.shards.yaml up -d"
    for page in ("scaling.md", "container.md"):
        assert command in (ROOT / "docs" / "admins" / page).read_text(), page
