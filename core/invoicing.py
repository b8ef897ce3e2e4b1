"""Invoicing details of a customer (开票信息) and the unified social credit code check.

The unified social credit code (统一社会信用代码, GB 32100-2015) has 18 characters from
digits and capital letters without I, O, Z, S and V; the last one is a check character:
weights 3^i mod 31 over the first 17, check = 31 - (sum mod 31), 31 written as 0.
It also holds the VAT arithmetic of one invoice line (``vat_line``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
CREDIT_CODE_EXPECTED = (
    "a unified social credit code: 18 digits or capital letters (not I, O, "
    "Z, S, V) whose last character checks the others"
)


def credit_code_check(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def is_credit_code(code: str) -> bool:
    return (
        len(code) == 18
        and all(c in CREDIT_CODE_CHARS for c in code)
        and credit_code_check(code[:17]) == code[17]
    )


def clean_credit_code(value: str) -> str:
    """Upper-cased and stripped; empty is allowed (not every customer invoices)."""
    code = value.strip().upper().replace(" ", "")
    if code and not is_credit_code(code):
        raise ValueError(CREDIT_CODE_EXPECTED)
    return code


# -- VAT per line (增值税), as Chinese VAT invoices compute it ----------------------------

CENT = Decimal("0.01")


def vat_line(net: Decimal, rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of one invoice line: tax = net x rate rounded half-up to the
    cent (away from zero, so a red-letter line mirrors its original exactly); gross =
    net + tax. An invoice's totals are the sums of its lines' figures, never a tax
    recomputed on the total."""
    net = net.quantize(CENT, ROUND_HALF_UP)
    tax = (net * rate).quantize(CENT, ROUND_HALF_UP)
    return net, tax, net + tax
