"""Each hostile input gets its documented answer: small, JSON, nothing internal."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.function_support import assert_error
from tests.hostile_inputs import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_gets_its_documented_answer(shipped: TestClient, case: Case) -> None:
    response = shipped.request(
        case.method,
        "/predict",
        content=case.body,
        headers={"content-type": case.content_type, **dict(case.headers)},
    )
    if case.status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["digit"] == case.answer
    else:
        assert isinstance(case.answer, str)
        assert_error(response, case.status, case.answer)
        # Never the request back: not even a slice of the body.
        for start in range(0, len(case.body) - 16, 997):
            assert case.body[start : start + 16].decode("latin-1") not in response.text
