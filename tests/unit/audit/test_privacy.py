"""Personal data is masked before it reaches the audit log."""

from __future__ import annotations

from xinyidai.audit.privacy import MASK, mask_text, scrub
from xinyidai.registry.codes import id_check_char

ID_NUMBER = "500108198001011231"[:17] + id_check_char("50010819800101123")


def test_identity_numbers_and_mobile_numbers_in_text_are_masked() -> None:
    text = mask_text(f"法定代表人身份证{ID_NUMBER}，手机 13812345678，座机 023-62345678")
    assert ID_NUMBER not in text and "13812345678" not in text
    assert text.count(MASK) == 2 and "023-62345678" in text


def test_a_credit_code_and_other_long_numbers_stay() -> None:
    text = "91500108MA0000001X 订单 20261123000001 金额 150000000"
    assert mask_text(text) == text


def test_an_eighteen_digit_number_with_a_wrong_check_character_is_not_an_identity_number() -> None:
    wrong = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    assert mask_text(wrong) == wrong


def test_secret_named_keys_are_masked_at_any_depth() -> None:
    detail = {"password": "S3cret!", "nested": [{"id_number": ID_NUMBER, "mobile": "x"}], "amount_fen": 100,
              "note": None, "phone": ""}
    assert scrub(detail) == {"password": MASK, "nested": [{"id_number": MASK, "mobile": MASK}], "amount_fen": 100,
                             "note": None, "phone": ""}
