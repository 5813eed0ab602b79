"""Identity documents of employees, as the IIT withholding filing (个税扣缴申报) lists them under 证件类型.

Tax filing needs each employee's document type and number. The PRC resident ID card (居民身份证)
is checked fully — 18 characters, the GB 11643-1999 check character, a real birth date — with
python-stdnum's `stdnum.cn.ric`; its birth-place table is deliberately not consulted, because
county codes change every year and a code missing from the table would lock a real hire out. The
residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证, codes 81/82/83…) use
the same number format and are checked the same way. Every other document (passports, the
mainland travel permits of Hong Kong, Macao and Taiwan residents, the foreigner's permanent
residence card) is checked only for its shape: letters and digits, 5 to 20 of them, since their
formats differ by issuer and year.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from gateway.errors import GatewayError

IdType = Literal[
    "resident_id",  # 居民身份证
    "residence_permit",  # 港澳台居民居住证
    "passport",  # 中国护照 / 外国护照
    "hk_macao_permit",  # 港澳居民来往内地通行证
    "taiwan_permit",  # 台湾居民来往大陆通行证
    "foreign_permanent_residence",  # 外国人永久居留身份证
]
ID_TYPES: tuple[IdType, ...] = (
    "resident_id",
    "residence_permit",
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
    "foreign_permanent_residence",
)
_GB11643_TYPES = ("resident_id", "residence_permit")


class IdNumberError(GatewayError):
    """An identity document number that cannot be right; the message says which part and how to fix it."""


def normalize_id_number(id_type: str, number: str, today: date | None = None) -> str:
    """The number as stored (upper case, no spaces), or `IdNumberError` saying what is wrong."""
    compact = "".join(number.split()).upper()
    if id_type in _GB11643_TYPES:
        return _gb11643(compact, today or date.today())
    if not (5 <= len(compact) <= 20 and compact.isascii() and compact.isalnum()):
        raise IdNumberError(
            f"a {id_type} number is 5 to 20 letters and digits as printed on the document (got {len(compact)} "
            "characters): copy it from the document without punctuation",
            zh=f"证件号码应为证件上印的 5 至 20 位字母和数字（现为 {len(compact)} 个字符）：请照证件抄录，不要带标点",
        )
    return compact


def _gb11643(number: str, today: date) -> str:
    if len(number) != 18:
        raise IdNumberError(
            f"a resident ID number has 18 characters, this one has {len(number)}: copy all 18 from the card "
            "(15-digit cards from before 1999 are no longer valid)",
            zh=f"居民身份证号码为 18 位，此号码为 {len(number)} 位：请照证件抄录全部 18 位"
            "（1999 年以前的 15 位证件已失效）",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(
            "a resident ID number is 17 digits and a last digit or X: remove other characters",
            zh="居民身份证号码为 17 位数字加一位数字或 X：请删除其他字符",
        )
    if number[-1] != ric.calc_check_digit(number):
        raise IdNumberError(
            "the last character of this resident ID number does not match the other 17 (GB 11643 check "
            "character): one of the digits is mistyped; re-enter the number from the card",
            zh="此身份证号码的最后一位与前 17 位不符（GB 11643 校验码）：有数字输错了，请照证件重新填写",
        )
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        raise IdNumberError(
            f"characters 7-14 of a resident ID number are the birth date YYYYMMDD; {number[6:14]} is no date: "
            "re-enter the number from the card",
            zh=f"身份证号码第 7–14 位是出生日期 YYYYMMDD，{number[6:14]} 不是日期：请照证件重新填写",
        ) from None
    if not date(1900, 1, 1) <= born <= today:
        raise IdNumberError(
            f"characters 7-14 of this resident ID number give the birth date {born.isoformat()}, which cannot be "
            "right: re-enter the number from the card",
            zh=f"此身份证号码第 7–14 位的出生日期为 {born.isoformat()}，不可能正确：请照证件重新填写",
        )
    return number
