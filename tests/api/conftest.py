"""API fixtures: the real app (create_app) with a tiny model, or with the shipped one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.function_support import SHIPPED_MODEL, settings_for, tiny_model

from digits.app import create_app

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[MakeClient]:
    """make_client(**settings) -> a TestClient on a fresh app with a tiny random model."""
    clients: list[TestClient] = []

    def make(model_path: Path | None = None, **overrides: Any) -> TestClient:
        path = model_path if model_path is not None else tiny_model(tmp_path)
        client = TestClient(create_app(settings_for(path, **overrides)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


@pytest.fixture(scope="module")
def shipped() -> Iterator[TestClient]:
    """The app with models/digit_model_28.joblib: for answers that must be right."""
    assert SHIPPED_MODEL.is_file(), "the shipped model is missing: models/digit_model_28.joblib"
    with TestClient(create_app(settings_for(SHIPPED_MODEL))) as client:
        yield client
