"""A tree parsed in chunks through the time-bounded read callback must not keep that callback
as its source: node text read later (query predicates in native code, `node.text`) would call
it after its deadline, where it raises inside the binding (an intermittent SIGSEGV in
QueryCursor.matches on large files). Run in a child process so a regression fails this test
instead of killing the test run."""
import subprocess
import sys

PROBE = r'''
import time
import semdiff.budget as budget
import tree_sitter_javascript as tsj
from tree_sitter import Language, Parser, Query, QueryCursor

budget.UNBUDGETED_PARSE_SECONDS = 0.5
lang = Language(tsj.language())
parser = Parser(lang)
data = b"app.get('/users', requireAuth, listUsers);\n" * 4000   # > PARSE_CHUNK_BYTES: read in chunks
assert len(data) > budget.PARSE_CHUNK_BYTES
tree = budget.parse_tree(parser, data)
time.sleep(0.8)  # the read callback's deadline has passed
query = Query(lang, '((call_expression function: (member_expression property: (property_identifier) @m)) @r (#match? @m "^get$"))')
matches = QueryCursor(query).matches(tree.root_node)
last = tree.root_node.children[-1]
print(len(matches), last.text.decode())
'''


def test_chunked_parse_gives_a_tree_backed_by_its_bytes():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    count, text = out.stdout.strip().split(" ", 1)
    assert count == "4000"
    assert text == "app.get('/users', requireAuth, listUsers);"
