"""Ends a process that is stuck where Python can't interrupt it: `python -m tfgan.watchdog PID
SECONDS MESSAGE` sleeps, then writes MESSAGE to stderr and kills PID (unless it is killed first).

TensorFlow waits for a multi-worker cluster to form inside C++ without releasing the interpreter (a
thread or a signal handler would never run) and ignores SIGTERM, so the timeout must come from
another process (`tfgan.distribute.make_strategy`).
"""

import os
import signal
import sys
import time


def kill_after(pid: int, seconds: float, message: str) -> None:
    """Sleeps `seconds`, then writes `message` to stderr and sends SIGKILL to `pid`."""
    time.sleep(seconds)
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    kill_after(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3])
