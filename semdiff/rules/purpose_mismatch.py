"""Change-level family `purpose-mismatch`: the change's effect exceeds its stated purpose.

The logic lives in semdiff.purpose (claims, effects, the check); this module only registers
it, so the rule shows in `all_rules()` like every other family.
"""
from __future__ import annotations

from semdiff.purpose.mismatch import PURPOSE_MISMATCH, check_purpose
from semdiff.rules.base import change_family

RULES = (PURPOSE_MISMATCH,)

check = change_family("purpose-mismatch", RULES)(check_purpose)
