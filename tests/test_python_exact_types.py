"""The Python backend tests some libcst node types with `type(node) is X` instead of
isinstance (libcst's node classes are ABCs, and an ABC isinstance check is a Python-level call
on every test). That is the same test only while X has no subclass: checked here against
libcst as installed, so an upgrade that subclasses one of them fails this test instead of
silently changing what the backend extracts."""
from __future__ import annotations

import libcst as cst
import pytest

from semdiff.lang.python_exprs import _VALUE_LITERALS

EXACT = [
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.ConcatenatedString, cst.Integer,
    cst.Float, cst.UnaryOperation, cst.Minus, cst.Not, cst.BinaryOperation, cst.Comparison, cst.BooleanOperation,
    cst.IndentedBlock, cst.SimpleStatementSuite, cst.SimpleStatementLine, cst.Raise, cst.Return, cst.Assert,
    cst.Continue, cst.Break, cst.Try, cst.TryStar, cst.For, cst.While, cst.With, cst.Match, cst.Expr, cst.Await,
    cst.Assign, cst.AnnAssign, cst.AugAssign, cst.FunctionDef, cst.ClassDef, cst.If, *_VALUE_LITERALS,
]


@pytest.mark.parametrize("node_type", EXACT, ids=lambda t: t.__name__)
def test_no_subclasses(node_type: type) -> None:
    assert node_type.__subclasses__() == []
