"""USCC (GB 32100-2015) and resident identity number (GB 11643-1999) validation.

The check-character oracles below are written from the standards' text, not from the code under test:
- GB 32100-2015: weights W_i = 3^(i-1) mod 31 (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28),
  C18 = 31 - MOD(sum(C_i * W_i), 31), with 31 meaning 0; characters valued by the 31-character alphabet.
- GB 11643-1999: weights W_i = 2^(18-i) mod 11, the check value is (12 - MOD(sum, 11)) mod 11, 10 written X.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.registry.codes import (
    InvalidCode,
    birth_date_of,
    id_check_char,
    mask_id_number,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Province-level codes of GB/T 2260 (mainland, plus Taiwan, Hong Kong and Macao).
GBT2260_PROVINCES = (
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
)


def gb32100_check(first17: str) -> str:
    total = sum(GB32100_ALPHABET.index(ch) * w for ch, w in zip(first17, GB32100_WEIGHTS, strict=True))
    value = 31 - total % 31
    return GB32100_ALPHABET[0 if value == 31 else value]


def gb11643_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


# Published unified social credit codes (the first is GB 32100-2015's own example).
PUBLISHED_USCCS = (
    "91350100M000100Y43",
    "91440300708461136T",  # 腾讯科技（深圳）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91100000100003962T",  # 中国工商银行股份有限公司
    "91330100716105852F",
)
# GB 11643-1999's own examples.
STANDARD_ID_NUMBERS = ("11010519491231002X", "440524188001010014")


def test_oracles_match_the_standards_examples() -> None:
    assert [3 ** i % 31 for i in range(17)] == list(GB32100_WEIGHTS)
    assert [2 ** (17 - i) % 11 for i in range(17)] == list(GB11643_WEIGHTS)
    assert gb32100_check("91350100M000100Y4") == "3"
    assert gb11643_check("11010519491231002") == "X"
    assert gb11643_check("44052418800101001") == "4"


# --- USCC: valid codes -------------------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_published_uscc_validates(code: str) -> None:
    parts = validate_uscc(code)
    assert parts.code == code
    assert uscc_check_char(code[:17]) == code[17]


def test_uscc_parts_of_the_standard_example() -> None:
    parts = validate_uscc("91350100M000100Y43")
    assert parts.authority == "9"
    assert parts.entity_type == "1"
    assert parts.division_code == "350100"
    assert parts.organisation_code == "M000100Y4"
    assert parts.market_kind == "enterprise"


def test_uscc_market_kind() -> None:
    individual = "92500112MA" + "0000001"
    assert validate_uscc(individual + gb32100_check(individual)).market_kind == "individual_business"
    coop = "93500112MA" + "0000001"
    assert validate_uscc(coop + gb32100_check(coop)).market_kind == "farmers_cooperative"
    social = "52500000MJ" + "0000001"  # 5 = civil affairs, 2 = 民办非企业单位: not market supervision
    assert validate_uscc(social + gb32100_check(social)).market_kind is None


def test_uscc_is_normalised_to_upper_case_and_trimmed() -> None:
    assert validate_uscc("  91440300708461136t ").code == "91440300708461136T"
    assert validate_uscc("91350100m000100y43").code == "91350100M000100Y43"


# --- USCC: failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   "])
def test_uscc_empty(raw: str) -> None:
    with pytest.raises(InvalidCode, match=r"^请填写统一社会信用代码$"):
        validate_uscc(raw)


@pytest.mark.parametrize(("raw", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("9", 1)])
def test_uscc_wrong_length(raw: str, length: int) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_uscc(raw)
    assert str(info.value) == f"统一社会信用代码应为18位，当前为{length}位"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
@pytest.mark.parametrize("position", [1, 9, 12, 17, 18])
def test_uscc_illegal_letter_names_position_and_character(letter: str, position: int) -> None:
    code = list("91350100M000100Y43")
    code[position - 1] = letter
    with pytest.raises(InvalidCode) as info:
        validate_uscc("".join(code))
    message = str(info.value)
    assert message.startswith(f"统一社会信用代码第{position}位“{letter}”不是合法字符")
    assert "I、O、S、V、Z" in message


def test_uscc_illegal_lowercase_letter_reported_upper_case() -> None:
    with pytest.raises(InvalidCode, match="第9位“O”不是合法字符"):
        validate_uscc("91350100o000100Y43")


def test_uscc_punctuation_is_illegal() -> None:
    with pytest.raises(InvalidCode, match="第5位“-”不是合法字符"):
        validate_uscc("9135-100M000100Y43")


@pytest.mark.parametrize("prefix", ["91A50100M00010000", "9135010AM00010000", "91ABCDEFM00010000"])
def test_uscc_division_code_must_be_digits(prefix: str) -> None:
    # The check character is right, so only the division-code rule can refuse it.
    with pytest.raises(InvalidCode) as info:
        validate_uscc(prefix + gb32100_check(prefix))
    assert str(info.value) == "统一社会信用代码第3—8位是登记管理机关行政区划码，应为6位数字"


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91440300708461136U", "914403001922038210"])
def test_uscc_wrong_check_character(code: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_uscc(code)
    assert str(info.value) == "统一社会信用代码第18位校验码不正确，请核对是否有字符抄错"


# --- USCC: properties --------------------------------------------------------------------------

_alphabet_char = st.sampled_from(GB32100_ALPHABET)
uscc_prefixes = st.tuples(
    st.text(GB32100_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),  # positions 3-8: the division code, digits only
    st.text(GB32100_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(uscc_prefixes)
def test_any_prefix_with_its_check_character_validates(prefix: str) -> None:
    assert uscc_check_char(prefix) == gb32100_check(prefix)
    assert validate_uscc(prefix + gb32100_check(prefix)).code == prefix + gb32100_check(prefix)


def test_mod31_check_detects_every_single_substitution_in_principle() -> None:
    # A substitution a -> b at position i changes the weighted sum by (b - a) * W_i. 31 is prime,
    # 0 < |b - a| < 31 and no weight is 0 mod 31, so the sum changes mod 31 and so does C18; and a
    # change of C18 itself no longer matches the (unchanged) sum.
    assert all(w % 31 != 0 for w in GB32100_WEIGHTS)
    assert all(31 % d != 0 for d in range(2, 31))  # 31 is prime


def _assert_every_substitution_fails(code: str) -> None:
    for index, original in enumerate(code):
        for replacement in GB32100_ALPHABET:
            if replacement == original:
                continue
            mutated = code[:index] + replacement + code[index + 1:]
            with pytest.raises(InvalidCode) as info:
                validate_uscc(mutated)
            if mutated[2:8].isdigit():
                assert "第18位校验码不正确" in str(info.value), mutated


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_every_single_substitution_of_a_published_uscc_fails(code: str) -> None:
    _assert_every_substitution_fails(code)


@given(uscc_prefixes)
def test_every_single_substitution_of_a_random_uscc_fails(prefix: str) -> None:
    _assert_every_substitution_fails(prefix + gb32100_check(prefix))


# --- Identity numbers: valid -------------------------------------------------------------------


@pytest.mark.parametrize("number", STANDARD_ID_NUMBERS)
def test_standard_id_examples_validate(number: str) -> None:
    assert validate_id_number(number) == number
    assert validate_id_number(number, today=date(2026, 11, 22)) == number
    assert id_check_char(number[:17]) == number[17]


def test_lowercase_x_is_accepted_and_normalised() -> None:
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_birth_date_and_mask() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_of("440524188001010014") == date(1880, 1, 1)
    # One rule with consent's desensitisation: issuing area and last four kept.
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("110105491231002") == "110105*****1002"
    assert mask_id_number("12345") == "*****"


def test_born_today_is_accepted() -> None:
    prefix = "110105" + "20261122" + "001"
    number = prefix + gb11643_check(prefix)
    assert validate_id_number(number, today=date(2026, 11, 22)) == number


# --- Identity numbers: failures ----------------------------------------------------------------


def _with_check(prefix: str) -> str:
    return prefix + gb11643_check(prefix)


@pytest.mark.parametrize("raw", ["", "  "])
def test_id_empty(raw: str) -> None:
    with pytest.raises(InvalidCode, match=r"^请填写身份证号码$"):
        validate_id_number(raw)


@pytest.mark.parametrize(("raw", "length"), [("110105194912310", 15), ("11010519491231002X1", 19)])
def test_id_wrong_length(raw: str, length: int) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(raw)
    assert str(info.value) == f"身份证号码应为18位，当前为{length}位"


@pytest.mark.parametrize(
    "raw", ["1101051949123100X2", "11010519491231002Y", "A1010519491231002X", "110105-9491231002X"]
)
def test_id_non_digit(raw: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(raw)
    assert str(info.value) == "身份证号码前17位应为数字，第18位为数字或X"


@pytest.mark.parametrize("province", ["00", "10", "20", "39", "66", "72", "90", "99"])
def test_id_bad_province(province: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(_with_check(province + "0105" + "19491231" + "002"))
    assert str(info.value) == f"身份证号码前两位“{province}”不是有效的省级行政区划代码"


@pytest.mark.parametrize("birth", ["19490231", "19491301", "19490000", "20230229", "19491232"])
def test_id_impossible_birth_date(birth: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(_with_check("110105" + birth + "002"))
    assert str(info.value) == f"身份证号码第7—14位出生日期“{birth}”不是有效日期"


def test_id_leap_day_is_a_real_date() -> None:
    number = _with_check("110105" + "20240229" + "002")
    assert validate_id_number(number, today=date(2026, 11, 22)) == number


def test_id_future_birth_date() -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(_with_check("110105" + "20261123" + "002"), today=date(2026, 11, 22))
    assert str(info.value) == "身份证号码第7—14位出生日期“20261123”不合理"


def test_id_birth_before_1880() -> None:
    with pytest.raises(InvalidCode, match="出生日期“18791231”不合理"):
        validate_id_number(_with_check("440524" + "18791231" + "001"))


@pytest.mark.parametrize("number", ["110105194912310021", "440524188001010015", "44052418800101001X"])
def test_id_wrong_check_digit(number: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_id_number(number)
    assert str(info.value) == "身份证号码第18位校验码不正确，请核对是否有数字抄错"


def test_id_full_width_digits_are_normalised() -> None:
    # Full-width digits come from Chinese input methods; the "normalised" number must be ASCII,
    # otherwise its blind index differs from the same number typed in ASCII.
    result = validate_id_number("11010519491231００2X")
    assert result == "11010519491231002X"


# --- Identity numbers: properties --------------------------------------------------------------

id_prefixes = st.tuples(
    st.sampled_from(GBT2260_PROVINCES),
    st.text("0123456789", min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 22)).map(lambda d: d.strftime("%Y%m%d")),
    st.text("0123456789", min_size=3, max_size=3),
).map("".join)


@given(id_prefixes)
def test_any_valid_id_prefix_with_its_check_digit_validates(prefix: str) -> None:
    assert id_check_char(prefix) == gb11643_check(prefix)
    number = prefix + gb11643_check(prefix)
    assert validate_id_number(number, today=date(2026, 11, 22)) == number


def test_mod11_check_detects_every_single_substitution_in_principle() -> None:
    # (b - a) * W_i with 0 < |b - a| <= 9 < 11, 11 prime and no weight 0 mod 11: the sum changes mod 11.
    assert all(w % 11 != 0 for w in GB11643_WEIGHTS)


@given(id_prefixes)
def test_every_single_substitution_of_an_id_number_fails(prefix: str) -> None:
    number = prefix + gb11643_check(prefix)
    for index, original in enumerate(number):
        for replacement in "0123456789X" if index == 17 else "0123456789":
            if replacement == original:
                continue
            mutated = number[:index] + replacement + number[index + 1:]
            with pytest.raises(InvalidCode):
                validate_id_number(mutated, today=date(2026, 11, 22))



def test_uscc_typed_in_full_width_characters_is_normalised() -> None:
    assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３ ").code == "91350100M000100Y43"
