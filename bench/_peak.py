"""Run a Python program (``-m MODULE ARGS`` or ``-c CODE ARGS``) and write its peak resident
memory (VmHWM, KiB) to a file at exit: ``python bench/_peak.py OUT -m tracker sats``.

A child's ``ru_maxrss`` counts the memory of the process it was forked from (Linux keeps it
across exec), so a bench that holds data cannot read its children's peaks that way; VmHWM
belongs to the program's own address space.
"""

import atexit
import runpy
import sys


def _write_peak(path: str) -> None:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(peak)


out, kind, target, *rest = sys.argv[1:]
atexit.register(_write_peak, out)
if kind == "-m":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
