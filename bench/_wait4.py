"""Run a command and print its exit code and peak resident memory in bytes
(from wait4, i.e. that process alone) on a last line `WAIT4 code bytes`."""

from __future__ import annotations

import os
import subprocess
import sys

if __name__ == "__main__":
    command = sys.argv[sys.argv.index("--") + 1 :]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.flush()
    # ru_maxrss is in KiB on Linux.
    print(f"WAIT4 {code} {usage.ru_maxrss * 1024}", flush=True)
