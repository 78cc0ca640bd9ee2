"""Weak passwords: short, common (also with digits or a year added, in any case), or containing one's own names."""

from __future__ import annotations

import pytest

from xinyidai.identity.onboarding.policy import initial_password
from xinyidai.identity.passwords import common_passwords, is_common, weakness


def test_the_list_of_common_passwords_is_large_and_lower_case() -> None:
    common = common_passwords()
    assert len(common) > 30_000
    assert {"password", "qwerty", "123456", "iloveyou", "woaini1314", "5201314"} <= common
    assert all(p == p.lower() for p in common)


@pytest.mark.parametrize("password", [
    "password12", "Password2024", "PASSWORD2026!", "qwerty1234", "QwErTy123456", "iloveyou99", "dragon2020",
    "woaini1314", "Woaini20261", "1qaz2wsx3edc", "a1234567890", "2024admin12", "zxcvbnm123", "Football1990",
])
def test_common_passwords_and_their_variants_are_refused(password: str) -> None:
    assert is_common(password)
    assert weakness(password) == "该密码过于常见，容易被猜中，请换一个不常见的密码"


@pytest.mark.parametrize(("password", "names"), [
    ("zhangsan2026x", ("zhangsan", "张三")),
    ("My.Wang.Wei.88", ("wang.wei", "王伟")),
    ("xx9Good.Boss7", ("good.boss", "好老板")),
    ("张三Hello20261", ("someone", "张三")),
])
def test_passwords_containing_the_users_own_names_are_refused(password: str, names: tuple[str, str]) -> None:
    assert weakness(password, names=names) == "密码不能包含您的用户名或姓名"


@pytest.mark.parametrize("password", ["short1", "onlyletters", "1234567890123"])
def test_short_passwords_and_passwords_without_letters_or_digits_are_refused(password: str) -> None:
    assert weakness(password) == "密码至少10位，且须同时包含字母和数字"


@pytest.mark.parametrize("password", ["Test2026pass", "Demo2026xyd", "Ruyi7Hangzhou9x", "k8Vq2mPz7Lw"])
def test_uncommon_passwords_are_accepted(password: str) -> None:
    assert weakness(password, names=("good", "重庆甲商贸有限公司")) is None


def test_generated_first_passwords_are_accepted() -> None:
    assert all(weakness(initial_password()) is None for _ in range(200))
