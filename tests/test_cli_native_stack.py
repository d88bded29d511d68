"""The command gives native recursion (tree-sitter on deeply nested bundles) room to grow."""
import resource
import subprocess
import sys

from semdiff.cli import NATIVE_STACK_BYTES

PROBE = ("import resource; from semdiff.cli import _room_for_native_recursion; "
         "_room_for_native_recursion(); print(resource.getrlimit(resource.RLIMIT_STACK)[0])")


def _run_with_stack(soft: int, hard: int) -> int:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))

    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, preexec_fn=limit, check=True)
    return int(out.stdout.strip())


def test_a_small_soft_limit_is_raised():
    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    want = NATIVE_STACK_BYTES if hard == resource.RLIM_INFINITY else min(NATIVE_STACK_BYTES, hard)
    assert _run_with_stack(8 * 1024 * 1024, hard) == want


def test_the_hard_limit_is_respected():
    assert _run_with_stack(8 * 1024 * 1024, 16 * 1024 * 1024) == 16 * 1024 * 1024


def test_a_larger_soft_limit_is_kept():
    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if hard != resource.RLIM_INFINITY and hard < 2 * NATIVE_STACK_BYTES:
        big = hard
    else:
        big = 2 * NATIVE_STACK_BYTES
    assert _run_with_stack(big, hard) == big
