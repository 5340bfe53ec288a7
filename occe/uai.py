"""The UAI (Unité administrative immatriculée), a French school's national identifier.

Seven digits and a check letter: the number modulo 23 indexes an alphabet without
I, O and Q.
"""

import re

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def check_letter(digits):
    """Return the check letter of a seven-digit UAI number."""
    return _LETTERS[int(digits) % 23]


def is_valid(uai):
    """Tell whether ``uai`` is seven digits followed by their check letter."""
    uai = (uai or "").strip().upper()
    return bool(re.fullmatch(r"\d{7}[A-Z]", uai)) and uai[7] == check_letter(uai[:7])


def with_check_letter(digits):
    """Return a complete UAI from its seven digits."""
    return digits + check_letter(digits)
