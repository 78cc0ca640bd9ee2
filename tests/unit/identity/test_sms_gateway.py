"""The generic HTTP adapter of the SMS gateway, against httpx's mock transport (no provider is ever called): the
request it signs, and which answers it retries."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from xinyidai.identity.notifications import sms


def _gateway(answer: httpx.Response, seen: list[httpx.Request]) -> sms.HttpGateway:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return sms.HttpGateway(url="https://sms.example.com/send", key_id="k1", secret="s3cret", sign_name="信易贷",
                           timeout=1.0, client=httpx.Client(transport=httpx.MockTransport(handle)))


def test_a_message_is_posted_signed_and_its_provider_id_returned() -> None:
    seen: list[httpx.Request] = []
    gateway: sms.SmsGateway = _gateway(httpx.Response(200, json={"message_id": "p-1"}), seen)
    assert gateway.send("13812341234", "order_decided", {"order_no": "X", "decision": "已批准"}) == "p-1"
    [request] = seen
    body = json.loads(request.content)
    assert (body["phone"], body["template_code"], body["params"], body["sign_name"]) == (
        "13812341234", "order_decided", {"order_no": "X", "decision": "已批准"}, "信易贷")
    timestamp = request.headers["X-Sms-Timestamp"]
    assert request.headers["X-Sms-Key"] == "k1"
    assert request.headers["X-Sms-Signature"] == hmac.new(b"s3cret", timestamp.encode() + b"." + request.content,
                                                          hashlib.sha256).hexdigest()


@pytest.mark.parametrize(("answer", "retryable"), [
    (httpx.Response(503), True), (httpx.Response(400, text="bad template"), False),
    (httpx.Response(200, json={"no": "id"}), True),
])
def test_a_failure_says_whether_to_retry(answer: httpx.Response, retryable: bool) -> None:
    with pytest.raises(sms.SmsError) as raised:
        _gateway(answer, []).send("13812341234", "order_decided", {"order_no": "X", "decision": "y"})
    assert raised.value.retryable is retryable


def test_the_default_gateway_only_logs() -> None:
    assert isinstance(sms.gateway(), sms.LogGateway)
