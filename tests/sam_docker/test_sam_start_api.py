"""`sam local start-api` with Docker (tools/aws/sam_start_api.py): canvas PNGs read right, the
contract's errors for the hostile-input table, the page on the same origin with its headers.
Requests go to 127.0.0.1, to the port of the start-api this session started.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from tests.function_support import EVENTS, PREDICT_ANSWER_KEYS, assert_error
from tests.hostile_inputs import CASES, Case

pytestmark = [pytest.mark.sam_docker, pytest.mark.slow]

# Above Lambda's 6 MB synchronous payload limit API Gateway and Lambda answer before the
# function (413, not the function's JSON): SAM's local gateway does not model that.
LAMBDA_PAYLOAD_LIMIT = 6 * 2**20
TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded")


def reaches_the_function(case: Case) -> bool:
    """Whether the gateway hands this request to the function at all.

    The HTTP API routes only POST /predict to it: other methods get the gateway's 404 (below).
    Besides the size limit: a body labelled as text goes to the function as a string, and SAM
    answers 502 itself when the bytes are not UTF-8 (the Docker-free stack shares that code).
    tests/lambda/test_handler_events.py gives the function those bodies base64-encoded.
    """
    if case.method != "POST" or len(case.body) >= LAMBDA_PAYLOAD_LIMIT:
        return False
    if case.content_type.lower().startswith(TEXT_TYPES):
        try:
            case.body.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


CASES_FOR_THE_FUNCTION = [case for case in CASES if reaches_the_function(case)]


@pytest.fixture(scope="module")
def client(sam_docker_stack_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sam_docker_stack_url, timeout=60) as http:
        yield http


def canvas(digit: int) -> bytes:
    return (EVENTS / f"canvas-{digit}.png").read_bytes()


@pytest.mark.parametrize("digit", [3, 7])
def test_a_canvas_png_is_read_as_json_and_as_raw_png(client: httpx.Client, digit: int) -> None:
    url = "data:image/png;base64," + base64.b64encode(canvas(digit)).decode()
    as_json = client.post("/predict", json={"image": url})
    raw = client.post("/predict", content=canvas(digit), headers={"content-type": "image/png"})
    for answer in (as_json, raw):
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == PREDICT_ANSWER_KEYS
        assert answer.json()["digit"] == digit


FUNCTION_CASE_IDS = [case.name for case in CASES_FOR_THE_FUNCTION]


@pytest.mark.parametrize("case", CASES_FOR_THE_FUNCTION, ids=FUNCTION_CASE_IDS)
def test_hostile_inputs_get_the_contracts_answers(client: httpx.Client, case: Case) -> None:
    headers = {"content-type": case.content_type, **dict(case.headers)}
    answer = client.request(case.method, "/predict", content=case.body, headers=headers)
    if case.status == 200:
        assert answer.status_code == 200 and answer.json()["digit"] == case.answer
    else:
        assert isinstance(case.answer, str)
        assert_error(answer, case.status, case.answer)


def test_the_page_is_served_on_the_same_origin_with_its_policy(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    health = client.get("/health")
    assert health.json()["status"] == "ok" and "content-security-policy" not in health.headers


def test_an_unknown_route_or_method_is_the_http_apis_404(client: httpx.Client) -> None:
    for method, path in [("GET", "/nope"), ("GET", "/predict"), ("PUT", "/predict")]:
        answer = client.request(method, path)
        assert answer.status_code == 404 and answer.json() == {"message": "Not Found"}
