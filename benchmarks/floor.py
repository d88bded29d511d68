"""The floor of a structural diff tool, run as its own process: `git diff --raw` of the range,
both blobs of every changed Python file read through one `git cat-file --batch`, and a
tree-sitter parse of each. It is the least a tool that reads a change as syntax trees does.

    python benchmarks/floor.py REPO BASE HEAD

It imports nothing but what that work needs (subprocess, tree-sitter and its Python grammar):
until session 14 the floor ran inside bench_peers.py, whose own imports (argparse, statistics,
the other benchmark modules) added ~22 ms to every floor run and so flattered semdiff's ratio
by ~25 %. bench_peers times this file.
"""
import subprocess
import sys

import tree_sitter
import tree_sitter_python


def floor(repo: str, base: str, head: str) -> int:
    """Returns how many blobs were parsed."""
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
    raw = subprocess.run(["git", "-C", repo, "diff", "--raw", "-z", "--no-abbrev", base, head, "--"],
                         capture_output=True, check=True).stdout.split(b"\0")
    blobs: list[str] = []
    for i in range(0, len(raw) - 1, 2):
        meta, path = raw[i].split(), raw[i + 1]
        if path.endswith(b".py"):
            blobs += [b.decode() for b in meta[2:4] if set(b) != {ord("0")}]
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="\n".join(blobs).encode() + b"\n",
                         capture_output=True, check=True).stdout
    pos = n = 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        parser.parse(out[header_end + 1: header_end + 1 + size])
        pos = header_end + 1 + size + 1
        n += 1
    return n


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: floor.py REPO BASE HEAD")
    floor(sys.argv[1], sys.argv[2], sys.argv[3])
