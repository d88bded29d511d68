"""Unified diffs -> `Hunk`s and, for diff-file input, hunk-only `FileChange`s.

The text is first cut into one segment per file by a scanner that counts hunk lines (so a
removed line `--- x` inside a hunk is never taken for a file header), then each segment is
parsed by `unidiff` on its own. A malformed or truncated segment therefore costs only its
own file, which is reported as `NotAnalyzed(..., "malformed-diff")`, never a crash.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from semdiff.model import ChangeSet, ChangeStatus, FileChange, Hunk, NotAnalyzed
from semdiff.source.paths import display_path, unsafe_reason
from semdiff.source.rawdiff import GITLINK_MODE, SYMLINK_MODE

if TYPE_CHECKING:
    from unidiff.patch import PatchedFile

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_SIMILARITY = re.compile(r"^similarity index (\d+)%")
_SURROGATE = re.compile("[\udc80-\udcff]")
_LFS_PREFIX = "version https://git-lfs.github.com/spec/"
DEV_NULL = "/dev/null"


@dataclass(frozen=True)
class Segment:
    """The lines of one file's part of a diff; `line_no` is where it starts (1-based)."""

    lines: tuple[str, ...]
    line_no: int

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def header(self) -> tuple[str, ...]:
        """Lines before the first hunk: where paths, modes and rename info live."""
        out = []
        for line in self.lines:
            if line.startswith("@@"):
                break
            out.append(line)
        return tuple(out)


def split_segments(text: str) -> list[Segment]:
    lines = _split_on_lf(text)  # not splitlines(): a form feed or U+2028 is not a line break in a diff
    segments: list[list[str]] = []
    starts: list[int] = []
    current: Optional[list[str]] = None
    git_header_open = False  # inside a `diff --git` header that has not had its `---` yet
    old_left = new_left = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if old_left > 0 or new_left > 0:
            step = _hunk_step(line, old_left, new_left)
            if step is None:
                old_left = new_left = 0  # truncated hunk: let unidiff report it, rescan line
                continue
            old_left, new_left = step
            assert current is not None
            current.append(line)
            i += 1
            continue
        starts_git = line.startswith("diff --git ")
        starts_plain = (
            line.startswith("--- ")
            and i + 1 < len(lines)
            and lines[i + 1].startswith("+++ ")
            and not (git_header_open and current and _continues_git_header(current, line))
        )
        if starts_git or starts_plain:
            current = [line]
            segments.append(current)
            starts.append(i + 1)
            git_header_open = starts_git
            i += 1
            continue
        if line.startswith("--- "):
            git_header_open = False
        match = _HUNK_HEADER.match(line)
        if match and current is not None:
            git_header_open = False
            old_left = int(match.group(2) or 1)
            new_left = int(match.group(4) or 1)
        if line.startswith(("Binary files ", "GIT binary patch")):
            git_header_open = False
        if current is not None:
            current.append(line)
        i += 1
    return [Segment(tuple(s), n) for s, n in zip(segments, starts)]


def _hunk_step(line: str, old_left: int, new_left: int) -> Optional[tuple[int, int]]:
    """The old/new lines still owed by an open hunk after `line`, or None when `line` cannot
    belong to it (the hunk was truncated). A blank line counts as blank context, and
    `\\ No newline at end of file` counts for neither side."""
    tag = line[:1]
    if tag == " " or line in ("\n", "\r\n"):
        return old_left - 1, new_left - 1
    if tag == "-":
        return old_left - 1, new_left
    if tag == "+":
        return old_left, new_left - 1
    if tag == "\\":
        return old_left, new_left
    return None


def _continues_git_header(current: list[str], minus_line: str) -> bool:
    """A `---` line belongs to the open `diff --git` header only if it names the same file."""
    old, _new = _git_header_paths(current[0])
    renamed_from = next((unquote_c(_clean(l).split(" from ", 1)[1]) for l in current
                         if l.startswith(("rename from ", "copy from "))), None)
    named = _header_path(minus_line[4:], "a/")
    return named is None or named in (old, renamed_from)


def _split_on_lf(text: str) -> list[str]:
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def parse_error() -> type:
    """unidiff's `UnidiffParseError`. unidiff is imported when a segment is parsed with it, not
    with this module: git's own patch of plain files never needs it (`git_hunks`), and the
    import was ~11M instructions (~0.9 %) of a warm PR run. An `except (parse_error(), ...)`
    clause evaluates it only when an exception reaches it."""
    from unidiff.errors import UnidiffParseError

    return UnidiffParseError


def parse_segment(segment: Segment) -> "PatchedFile":
    """The segment's file as unidiff sees it; raises UnidiffParseError/ValueError when broken."""
    from unidiff import PatchSet

    patch = PatchSet(list(segment.lines))
    if len(patch) != 1:
        raise parse_error()(f"expected one file in segment, found {len(patch)}")
    return patch[0]


def _clean(value: str) -> str:
    if value.endswith("\n"):
        value = value[:-1]
    if value.endswith("\r"):
        value = value[:-1]
    return value


def hunks_of(patched: "PatchedFile") -> tuple[Hunk, ...]:
    out = []
    for h in patched:
        removed, added, c_old, c_new = [], [], [], []
        rtext, atext, ctext = [], [], []
        for line in h:
            if line.is_removed:
                removed.append(line.source_line_no)
                rtext.append(_clean(line.value))
            elif line.is_added:
                added.append(line.target_line_no)
                atext.append(_clean(line.value))
            elif line.is_context:
                c_old.append(line.source_line_no)
                c_new.append(line.target_line_no)
                ctext.append(_clean(line.value))
        out.append(Hunk(
            old_start=h.source_start, old_length=h.source_length,
            new_start=h.target_start, new_length=h.target_length,
            removed=tuple(removed), added=tuple(added),
            removed_text=tuple(rtext), added_text=tuple(atext),
            context_old=tuple(c_old), context_new=tuple(c_new), context_text=tuple(ctext),
        ))
    return tuple(out)


# A path git writes as is in a header: no whitespace, quote or backslash (git quotes those)
_PLAIN_PATH = re.compile(r"[^\s\"\\]+")
_GIT_FILE_MODE = re.compile(r"(new|deleted) file mode [0-7]+\n")
_GIT_INDEX = re.compile(r"index [0-9a-f]+\.\.[0-9a-f]+(?: [0-7]+)?\n")
_NO_NEWLINE = "\\ No newline at end of file"


def git_hunks(segment: Segment) -> Optional[tuple[Hunk, ...]]:
    """`hunks_of(parse_segment(segment))`, read directly, for a segment of the plain shape git
    writes for a modified, added or deleted file whose path needs no quoting: the `diff --git`
    line, an optional new/deleted file mode, the index line, `---`/`+++`, then complete hunks
    (each line ` `, `-`, `+` or `\\`, the counts met exactly), a "No newline" marker only
    after a hunk. unidiff accepts every such segment and gives these hunks (the same numbers,
    texts as `hunks_of` cleans them); anything else (renames, mode changes, binary files,
    quoted paths, blank or unknown lines, any count that does not add up) gives None, and
    unidiff, the parser of record, reads the segment and reports what is wrong. About a fifth
    of the cost of parsing a PR's patch through unidiff's objects."""
    lines = segment.lines
    head = lines[0] if lines else ""
    if not head.startswith("diff --git a/") or not head.endswith("\n"):
        return None
    path, sep, again = head[13:-1].partition(" b/")
    if not sep or again != path or not _PLAIN_PATH.fullmatch(path):
        return None
    i, kind = 1, ""
    if i < len(lines) and _GIT_FILE_MODE.fullmatch(lines[i]):
        kind = lines[i][:3]  # "new" / "del"
        i += 1
    if i + 2 >= len(lines) or not _GIT_INDEX.fullmatch(lines[i]):
        return None
    old_name = "/dev/null" if kind == "new" else "a/" + path
    new_name = "/dev/null" if kind == "del" else "b/" + path
    if lines[i + 1] != f"--- {old_name}\n" or lines[i + 2] != f"+++ {new_name}\n":
        return None
    i += 3
    out = []
    n = len(lines)
    while i < n:
        header = _HUNK_HEADER.match(lines[i])
        if header is None:
            return None
        old_no, old_len, new_no, new_len = (int(header.group(1)), int(header.group(2) or 1),
                                            int(header.group(3)), int(header.group(4) or 1))
        if old_len + new_len == 0:
            return None
        old_end, new_end = old_no + old_len, new_no + new_len
        removed: list[int] = []
        added: list[int] = []
        c_old: list[int] = []
        c_new: list[int] = []
        rtext: list[str] = []
        atext: list[str] = []
        ctext: list[str] = []
        start_old, start_new = old_no, new_no
        i += 1
        while True:
            if i >= n:
                return None  # shorter than its header says
            line = lines[i]
            i += 1
            tag = line[:1]
            if tag == " ":
                c_old.append(old_no)
                c_new.append(new_no)
                ctext.append(_clean(line[1:]))
                old_no += 1
                new_no += 1
            elif tag == "-":
                removed.append(old_no)
                rtext.append(_clean(line[1:]))
                old_no += 1
            elif tag == "+":
                added.append(new_no)
                atext.append(_clean(line[1:]))
                new_no += 1
            elif tag != "\\":
                return None
            if old_no > old_end or new_no > new_end:
                return None
            if old_no == old_end and new_no == new_end:
                break
        out.append(Hunk(
            old_start=start_old, old_length=old_len, new_start=start_new, new_length=new_len,
            removed=tuple(removed), added=tuple(added), removed_text=tuple(rtext), added_text=tuple(atext),
            context_old=tuple(c_old), context_new=tuple(c_new), context_text=tuple(ctext),
        ))
        if i < n and lines[i].startswith(_NO_NEWLINE):
            i += 1
    return tuple(out) if out else None


# -- paths in headers ------------------------------------------------------------------------

_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_c(quoted: str) -> str:
    """Undo git's C-style quoting of a path ("a/caf\\303\\251.py" -> a/café.py)."""
    if not (len(quoted) >= 2 and quoted.startswith('"') and quoted.endswith('"')):
        return quoted
    body, out, i = quoted[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and i + 3 < len(body) + 1 and all(c in "01234567" for c in body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt) if ord(nxt) < 128 else 63))
            i += 2
            continue
        out.extend(ch.encode("utf-8", errors="surrogateescape"))
        i += 1
    return out.decode("utf-8", errors="replace")


def _header_path(value: str, prefix: str) -> Optional[str]:
    """Path from a `---`/`+++`/rename line: timestamp and quoting removed, `prefix` stripped."""
    value = _clean(value)
    if "\t" in value and not value.startswith('"'):
        value = value.split("\t", 1)[0]
    value = unquote_c(value.rstrip("\t") if value.startswith('"') else value)
    if value == DEV_NULL:
        return None
    if prefix and value.startswith(prefix):
        value = value[len(prefix):]
    return value


def _git_header_paths(line: str) -> tuple[Optional[str], Optional[str]]:
    """Both paths of `diff --git a/X b/Y`; unambiguous when quoted or when X == Y."""
    rest = _clean(line)[len("diff --git "):]
    if rest.startswith('"'):
        end = _closing_quote(rest)
        old = unquote_c(rest[:end + 1])
        new_raw = rest[end + 2:]
        new = unquote_c(new_raw)
    else:
        if rest.endswith('"'):
            start = rest.rfind(' "')
            old, new = rest[:start], unquote_c(rest[start + 1:])
        elif len(rest) % 2 == 1 and rest[(len(rest) - 1) // 2] == " " and \
                rest[2:(len(rest) - 1) // 2] == rest[(len(rest) - 1) // 2 + 3:]:
            half = (len(rest) - 1) // 2
            old, new = rest[:half], rest[half + 1:]
        else:
            old, _, new = rest.partition(" b/")
            new = "b/" + new
    return _strip(old, "a/"), _strip(new, "b/")


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text) - 1


def _strip(path: str, prefix: str) -> str:
    return path[len(prefix):] if path.startswith(prefix) else path


@dataclass(frozen=True)
class SegmentInfo:
    """What the header of one segment says, independently of unidiff."""

    old_path: Optional[str]
    new_path: Optional[str]
    git: bool
    renamed: bool = False
    copied: bool = False
    similarity: Optional[int] = None
    old_mode: Optional[str] = None
    new_mode: Optional[str] = None
    binary: bool = False

    @property
    def key(self) -> str:
        return self.new_path or self.old_path or ""


def segment_info(segment: Segment) -> SegmentInfo:
    header = segment.header
    git = bool(header) and header[0].startswith("diff --git ")
    old = new = None
    if git:
        old, new = _git_header_paths(header[0])
    renamed = copied = binary = False
    similarity = old_mode = new_mode = None
    minus = plus = None
    saw_minus = saw_plus = False
    for line in header[1 if git else 0:]:
        text = _clean(line)
        if text.startswith("rename from "):
            old, renamed = unquote_c(text[len("rename from "):]), True
        elif text.startswith("rename to "):
            new, renamed = unquote_c(text[len("rename to "):]), True
        elif text.startswith("copy from "):
            old, copied = unquote_c(text[len("copy from "):]), True
        elif text.startswith("copy to "):
            new, copied = unquote_c(text[len("copy to "):]), True
        elif _SIMILARITY.match(text):
            similarity = int(_SIMILARITY.match(text).group(1))
        elif text.startswith(("old mode ", "deleted file mode ")):
            old_mode = text.rsplit(" ", 1)[1]
        elif text.startswith(("new mode ", "new file mode ")):
            new_mode = text.rsplit(" ", 1)[1]
        elif text.startswith("index ") and len(text.split()) == 3:
            old_mode = old_mode or text.split()[2]
            new_mode = new_mode or text.split()[2]
        elif text.startswith("Binary files ") or text == "GIT binary patch":
            binary = True
        elif text.startswith("--- ") and not saw_minus:
            minus, saw_minus = _header_path(text[4:], "a/" if git or _prefixed(header) else ""), True
        elif text.startswith("+++ ") and not saw_plus:
            plus, saw_plus = _header_path(text[4:], "b/" if git or _prefixed(header) else ""), True
    if any(_clean(l).startswith("new file mode ") for l in header):
        old = None
    if any(_clean(l).startswith("deleted file mode ") for l in header):
        new = None
    if saw_minus and not renamed and not copied:
        old = minus
    if saw_plus and not renamed and not copied:
        new = plus
    if binary and not git:
        old, new = _binary_paths(header)
    return SegmentInfo(old, new, git, renamed, copied, similarity, old_mode, new_mode, binary)


def _prefixed(header: tuple[str, ...]) -> bool:
    """Plain diffs strip a/ b/ only when both sides carry them (as `git diff` writes)."""
    minus = next((l for l in header if l.startswith("--- ")), "")
    plus = next((l for l in header if l.startswith("+++ ")), "")
    m_ok = minus[4:].lstrip('"').startswith("a/") or _clean(minus[4:]).split("\t")[0] == DEV_NULL
    p_ok = plus[4:].lstrip('"').startswith("b/") or _clean(plus[4:]).split("\t")[0] == DEV_NULL
    return m_ok and p_ok


def _binary_paths(header: tuple[str, ...]) -> tuple[Optional[str], Optional[str]]:
    for line in header:
        text = _clean(line)
        match = re.match(r"^Binary files (.+?) and (.+?) differ$", text)
        if match:
            return _header_path(match.group(1), "a/"), _header_path(match.group(2), "b/")
    return None, None


# -- diff-file input -------------------------------------------------------------------------

def _status(info: SegmentInfo, hunks: tuple[Hunk, ...]) -> ChangeStatus:
    if info.old_mode in (SYMLINK_MODE, GITLINK_MODE) or info.new_mode in (SYMLINK_MODE, GITLINK_MODE):
        return ChangeStatus.TYPE_CHANGED
    if info.binary:
        return ChangeStatus.BINARY
    if info.old_path is None:
        return ChangeStatus.ADDED
    if info.new_path is None:
        return ChangeStatus.DELETED
    if info.renamed:
        return ChangeStatus.RENAMED
    if info.copied:
        return ChangeStatus.COPIED
    if not hunks and info.old_mode and info.new_mode and info.old_mode != info.new_mode:
        return ChangeStatus.MODE_CHANGED
    return ChangeStatus.MODIFIED


def _looks_lfs(hunks: tuple[Hunk, ...]) -> bool:
    for h in hunks:
        for n, t in zip(h.removed + h.added + h.context_old, h.removed_text + h.added_text + h.context_text):
            if n == 1 and t.startswith(_LFS_PREFIX):
                return True
    return False


def _has_surrogates(hunks: tuple[Hunk, ...]) -> bool:
    return any(_SURROGATE.search(t) for h in hunks for t in h.removed_text + h.added_text + h.context_text)


def _unreadable_hunk_header(segment: Segment) -> str:
    """Why a segment holds change lines no parser reads, or ''. unidiff skips an `@@` line it
    cannot match (`@@ -1,-3 +1 @@`, a combined diff's `@@@`) together with the lines under it,
    and `+`/`-` lines past the end of a hunk's counts, so the file came out with fewer hunks
    and no complaint: a change nobody analysed."""
    old_left = new_left = 0
    seen_hunk = False
    for offset, line in enumerate(segment.lines):
        where = f"line {segment.line_no + offset}"
        if old_left > 0 or new_left > 0:
            step = _hunk_step(line, old_left, new_left)
            if step is not None:
                old_left, new_left = step
                continue
            old_left = new_left = 0  # truncated: unidiff reports it
            if not line:
                continue
            # the line is read below (a hunk header, or prose after the diff)
        if line.startswith("@@"):
            match = _HUNK_HEADER.match(line)
            if not match:
                kind = "combined (merge) diff hunks are not supported; diff against one parent" if line.startswith("@@@") \
                    else "unreadable hunk header"
                return f"{where}: {kind}: {_clean(line)[:80]!r}"
            old_left, new_left, seen_hunk = int(match.group(2) or 1), int(match.group(4) or 1), True
        elif seen_hunk and line[:1] in "+-" and _clean(line) not in ("--", "-- "):
            # right after a hunk's counted lines: git apply and patch ignore it, a reader of
            # the diff sees a change. Refused.
            return f"{where}: a change line outside every hunk (the hunk line counts do not cover it)"
        else:
            seen_hunk = False  # prose after the diff body (a format-patch email's next message)
    return ""


def changes_from_diff(text: str, description: str = "diff") -> ChangeSet:
    """Hunk-only ChangeSet from a unified diff; raises ValueError when nothing in it parses.

    `text` may carry lone surrogates (undecodable bytes kept by `surrogateescape`): the files
    they occur in are reported as invalid-utf8 instead of being analysed with garbage.
    """
    files: list[FileChange] = []
    skipped: list[NotAnalyzed] = []
    segments = split_segments(text)
    for segment in segments:
        info = segment_info(segment)
        label = display_path(info.key) or "<diff>"
        unread = _unreadable_hunk_header(segment)
        if unread:
            skipped.append(NotAnalyzed(label, "malformed-diff", unread, True))
            continue
        try:
            patched = parse_segment(segment)
            hunks = hunks_of(patched)
        except (parse_error(), ValueError, TypeError, IndexError) as exc:
            skipped.append(NotAnalyzed(label, "malformed-diff", f"line {segment.line_no}: {exc}", True))
            continue
        if info.old_path is None and info.new_path is None:
            skipped.append(NotAnalyzed("<diff>", "malformed-diff", f"line {segment.line_no}: no file names", True))
            continue
        bad = unsafe_reason(info.old_path) or unsafe_reason(info.new_path)
        if bad:
            skipped.append(NotAnalyzed(label, "unsafe-path", bad, True))
            continue
        status = _status(info, hunks)
        change = FileChange(
            old_path=info.old_path, new_path=info.new_path, status=status,
            hunks=() if status in (ChangeStatus.BINARY, ChangeStatus.TYPE_CHANGED) else hunks,
            old_mode=info.old_mode if info.old_path else None,
            new_mode=info.new_mode if info.new_path else None,
            similarity=info.similarity if status in (ChangeStatus.RENAMED, ChangeStatus.COPIED) else None,
        )
        files.append(change)
        if status is ChangeStatus.BINARY:
            skipped.append(NotAnalyzed(change.path, "binary", "binary file in diff"))
        elif status is ChangeStatus.TYPE_CHANGED:
            skipped.append(NotAnalyzed(change.path, "not-a-file", "symlink or submodule entry; not read as code"))
        elif _looks_lfs(hunks):
            skipped.append(NotAnalyzed(change.path, "lfs-pointer", "Git LFS pointer; the real content is not in the diff", True))
        elif _has_surrogates(hunks):
            skipped.append(NotAnalyzed(change.path, "invalid-utf8", "diff lines are not valid UTF-8", True))
    if not files and not skipped and text.strip():
        raise ValueError("no file headers (---/+++ or diff --git) found")
    if not files and skipped and all(n.reason == "malformed-diff" for n in skipped):
        raise ValueError(skipped[0].detail)
    return ChangeSet(files=tuple(files), description=description, not_analyzed=tuple(skipped))
