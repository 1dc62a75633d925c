"""USCC (GB 32100) validation: known codes, every kind of invalid code, the property that any
single-character substitution is caught, and the importer's fast path agreeing with the rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from registry.uscc import (
    USCC_BAD_CHARACTERS,
    USCC_BAD_CHECK_DIGIT,
    USCC_WRONG_LENGTH,
    UsccError,
    uscc_check,
    uscc_make,
    uscc_validate,
)

# Organisation-code bodies: GB 11714 characters that are also allowed in a USCC.
USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
bodies = st.text(alphabet=USCC_CHARACTERS, min_size=8, max_size=8)
regions = st.from_regex(r"32[0-9]{4}", fullmatch=True)


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # python-stdnum's documented example
        "91320583MA1MT5ND3H",  # uscc_make(region_code="320583", org_body="MA1MT5ND")
        " 91320583ma1mt5nd3h ",  # lower case and spaces are tolerated, as in python-stdnum
    ],
)
def test_valid_codes_are_accepted_in_compact_form(code: str) -> None:
    assert uscc_validate(code) == code.strip().upper()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9111000060003734", USCC_WRONG_LENGTH),
        ("91110000600037341L0", USCC_WRONG_LENGTH),
        ("", USCC_WRONG_LENGTH),
        ("A1110000600037341L", USCC_BAD_CHARACTERS),
        ("91110000600037341I", USCC_BAD_CHARACTERS),
        ("9111000060003734OL", USCC_BAD_CHARACTERS),
        ("91110000600037341M", USCC_BAD_CHECK_DIGIT),
        ("91110000600037431L", USCC_BAD_CHECK_DIGIT),
    ],
)
def test_invalid_codes_are_rejected_with_their_reason(code: str, reason: str) -> None:
    with pytest.raises(UsccError) as error:
        uscc_validate(code)

    assert str(error.value) == reason


@given(region=regions, body=bodies)
def test_uscc_make_gives_valid_codes(region: str, body: str) -> None:
    code = uscc_make(region_code=region, org_body=body)

    assert uscc_validate(code) == code
    assert code[2:8] == region


@given(
    region=regions,
    body=bodies,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)
def test_any_single_character_substitution_is_rejected(
    region: str, body: str, position: int, replacement: str
) -> None:
    code = uscc_make(region_code=region, org_body=body)
    assume(code[position] != replacement)

    with pytest.raises(UsccError):
        uscc_validate(code[:position] + replacement + code[position + 1 :])


@given(region=regions, body=bodies)
def test_fast_check_accepts_what_uscc_validate_accepts(region: str, body: str) -> None:
    code = uscc_make(region_code=region, org_body=body)

    assert uscc_check(code) == uscc_validate(code) == code


@given(st.text(alphabet=USCC_CHARACTERS + "IOSVZ -a\u3000１", min_size=16, max_size=20))
def test_fast_check_gives_the_same_verdict_and_reason_as_uscc_validate(text: str) -> None:
    def verdict(check: Callable[[str], str]) -> str:
        try:
            return check(text)
        except UsccError as error:
            return str(error)

    assert verdict(uscc_check) == verdict(uscc_validate)
