"""Alternative correct solution for kata 1.4 (not in the repo)."""
from __future__ import annotations
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool


def sqlite_file_engine(directory: Path, filename: str) -> Engine:
    return create_engine(URL.create("sqlite+pysqlite", database=(directory / filename).as_posix()))


def sqlite_memory_engine() -> Engine:
    return create_engine("sqlite+pysqlite:///:memory:", poolclass=StaticPool,
                         connect_args={"check_same_thread": False})


def server_url(backend: Literal["postgresql", "mysql"], host: str, port: int, username: str,
               password: str, database: str) -> URL:
    driver = "psycopg" if backend == "postgresql" else "pymysql"
    text = f"{backend}+{driver}://{quote(username, safe='')}:{quote(password, safe='')}@{host}:{port}/{database}"
    if backend == "mysql":
        text += "?charset=utf8mb4"
    return make_url(text)


def engine_from_settings(settings: dict[str, Any]) -> Engine:
    options = {k.removeprefix("db."): v for k, v in settings.items() if k.startswith("db.")}
    url = options.pop("url")
    for key in ("pool_size", "max_overflow"):
        if key in options:
            options[key] = int(options[key])
    if "pool_timeout" in options:
        options["pool_timeout"] = float(options["pool_timeout"])
    if "echo" in options:
        options["echo"] = str(options["echo"]).lower() in ("1", "true", "yes", "on")
    return create_engine(url, **options)


def engine_with_timeout(url: str | URL, seconds: int) -> Engine:
    url = make_url(url)
    key = {"sqlite": "timeout", "postgresql": "connect_timeout"}.get(url.get_backend_name())
    if key is None:
        raise ValueError(url.get_backend_name())
    return create_engine(url.update_query_dict({key: str(seconds)}))


def loggable_url(url: str | URL) -> str:
    return str(make_url(url))
