"""What formatters and import sorters do is not a change of behaviour.

Seen on real "format" commits: isort moving `from collections.abc import MutableMapping`
above `import hashlib` in a cookies module, and a Java formatter removing a blank line and
putting a parameter list on lines of its own; each was reported as exceeding its stated
purpose (a high purpose-mismatch). The same commits with a real change still are."""
from __future__ import annotations

from semdiff.pipeline import AnalyzeOptions, analyze_texts

COOKIES = '''import base64
import binascii
import hashlib
import hmac
import warnings
from collections.abc import MutableMapping
from datetime import date, datetime, timedelta

from webob.util import bytes_, strings_differ, text_

SIGNING_ALGORITHM = "sha512"
MAX_AGE = timedelta(days=7)
'''
SORTED = '''import base64
import binascii
from collections.abc import MutableMapping
from datetime import date, datetime, timedelta
import hashlib
import hmac
import warnings

from webob.util import bytes_, strings_differ, text_

SIGNING_ALGORITHM = "sha512"
MAX_AGE = timedelta(days=7)
'''


def _exceeds(path: str, before: str, after: str, message: str) -> bool:
    """Whether the change does more than its message claims (the verdict a purpose-mismatch
    finding is made from; the finding itself also needs the unit to be security-relevant,
    which needs the repository's call graph)."""
    r = analyze_texts([(path, before, after)], AnalyzeOptions(purpose_text=message))
    assert r.purpose is not None and r.purpose.claim == "format"
    return r.purpose.exceeds


def test_imports_sorted_are_the_same_module():
    assert _exceeds("src/webob/cookies.py", COOKIES, SORTED, "Format using isort/black") is False


def test_a_weaker_algorithm_among_sorted_imports_is_still_a_change():
    weaker = SORTED.replace('"sha512"', '"md5"')
    assert _exceeds("src/webob/cookies.py", COOKIES, weaker, "Format using isort/black") is True


def test_swapping_two_imports_of_one_name_is_still_a_change():
    # which `compare_digest` the module ends up with depends on the order: such a run is
    # never put in sorted order, so moving either import is a change
    before = "from hmac import compare_digest\nfrom secrets import token_hex\nfrom operator import eq as compare_digest\n\nSESSION_TOKEN_BYTES = 32\n"
    flipped = "from operator import eq as compare_digest\nfrom hmac import compare_digest\nfrom secrets import token_hex\n\nSESSION_TOKEN_BYTES = 32\n"
    assert _exceeds("app/session.py", before, flipped, "isort: sort imports") is True


ADDRESS = '''package org.example.session.proxy;

import org.example.session.ServerSession;


/**
 * Address data structure.
 */
public final class AddressData {
    private static final int MAX_ADDRESS_LENGTH = 216;

    public static AddressData extractAddressData(Logger logger,
            ServerSession session,
            Buffer buffer) {
        return new AddressData(session, buffer.getInt());
    }
}
'''
REFLOWED = ADDRESS.replace("\n\n\n/**", "\n\n/**").replace(
    "extractAddressData(Logger logger,\n", "extractAddressData(\n            Logger logger,\n")


def test_java_blank_line_and_wrapped_parameters_are_layout():
    assert _exceeds("src/main/java/org/example/session/proxy/AddressData.java", ADDRESS, REFLOWED,
                             "Formatting fixes") is False


def test_java_module_constant_changed_under_a_formatting_message_is_still_reported():
    changed = REFLOWED.replace("MAX_ADDRESS_LENGTH = 216", "MAX_ADDRESS_LENGTH = 65535")
    assert _exceeds("src/main/java/org/example/session/proxy/AddressData.java", ADDRESS, changed,
                             "Formatting fixes") is True
