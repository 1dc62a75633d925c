"""统一社会信用代码 (USCC, GB 32100-2015): validation with reasons, and construction of valid codes
(for the demo province and tests)."""

from __future__ import annotations

from stdnum import exceptions
from stdnum.cn import uscc

# Reason codes, each with a bilingual message (shown in import reports and forms).
USCC_WRONG_LENGTH = "统一社会信用代码应为18位 (USCC must have 18 characters)"
USCC_BAD_CHARACTERS = (
    "统一社会信用代码含有非法字符（不可含 I、O、Z、S、V）(USCC has characters outside GB 32100)"
)
USCC_BAD_CHECK_DIGIT = "统一社会信用代码校验位错误 (USCC check digit is wrong)"

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class UsccError(ValueError):
    """The value is not a valid USCC; `str(error)` is the bilingual reason."""


def uscc_validate(value: str) -> str:
    """Return the compact USCC (upper case, no spaces), or raise UsccError with the reason."""
    try:
        return str(uscc.validate(value))
    except exceptions.InvalidLength as exc:
        raise UsccError(USCC_WRONG_LENGTH) from exc
    except exceptions.InvalidChecksum as exc:
        raise UsccError(USCC_BAD_CHECK_DIGIT) from exc
    except exceptions.ValidationError as exc:
        raise UsccError(USCC_BAD_CHARACTERS) from exc


def organisation_code(body: str) -> str:
    """The 9-character organisation code (GB 11714) for an 8-character body: body + check digit."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc_make(*, region_code: str, org_body: str, kind: str = "91") -> str:
    """A valid USCC: registration authority and kind (`91` = enterprise registered with market
    regulation), 6-digit region code, organisation code, and the GB 32100 check digit."""
    partial = kind + region_code + organisation_code(org_body)
    return partial + uscc.calc_check_digit(partial + "0")
