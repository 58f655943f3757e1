"""Fixtures for the service tests: function folders, an in-process Invoke API server, a boto3 client."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable, Iterator

import pytest

from console.engine import Engine
from console.service.registry import FunctionRegistry
from console.service.server import LambdaServer

FUNCTIONS = {
    "hello": """
        import json
        def lambda_handler(event, context):
            print("hello log line")
            return {"statusCode": 200, "body": json.dumps("Hello from Lambda!"), "event": event}
    """,
    "failer": """
        def lambda_handler(event, context):
            print("about to fail")
            raise ValueError("boom")
    """,
    "slow": """
        import time
        def lambda_handler(event, context):
            time.sleep(event.get("sleep", 0.5))
            return {"slept": True, "requestId": context.aws_request_id}
    """,
    "echo": """
        def lambda_handler(event, context):
            return {"event": event, "requestId": context.aws_request_id,
                    "clientContext": getattr(context.client_context, "custom", None)}
    """,
    "crasher": """
        import os
        def lambda_handler(event, context):
            os._exit(3)
    """,
}

# Fast retries: a minute of Lambda time passes in 10 ms.
TIME_SCALE = 600.0


@pytest.fixture
def make_function(tmp_path: Path) -> Callable[..., Path]:
    """Write a function folder named `name` whose lambda_function.py holds `code`."""

    def make(name: str, code: str, files: dict[str, str] | None = None) -> Path:
        folder = tmp_path / "functions" / name
        folder.mkdir(parents=True)
        (folder / "lambda_function.py").write_text(textwrap.dedent(code))
        for rel, text in (files or {}).items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return folder

    return make


@pytest.fixture
def function_dirs(make_function: Callable[..., Path]) -> dict[str, Path]:
    return {name: make_function(name, code) for name, code in FUNCTIONS.items()}


@pytest.fixture(scope="session")
def shared_engine() -> Iterator[Engine]:
    with Engine() as engine:
        yield engine


@pytest.fixture
def start_server(shared_engine: Engine) -> Iterator[Callable[..., LambdaServer]]:
    servers: list[LambdaServer] = []

    def start(dirs, **kwargs) -> LambdaServer:
        kwargs.setdefault("time_scale", TIME_SCALE)
        kwargs.setdefault("engine", shared_engine)
        server = LambdaServer(FunctionRegistry(list(dirs)), port=0, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def server(start_server, function_dirs) -> LambdaServer:
    return start_server(function_dirs.values())


def boto3_client(url: str, max_pool: int = 10):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        # Retries would hide the status codes under test (botocore retries 429 and 5xx).
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=max_pool, read_timeout=60),
    )


@pytest.fixture
def make_client() -> Callable[..., object]:
    return boto3_client


@pytest.fixture
def client(server: LambdaServer):
    return boto3_client(server.url)
