"""Runs a bin/ script as a user does, killed (SIGKILL, as kill -9) at a chosen instant of a write.

    python tests/faults.py SCRIPT FAULT [script flags]

FAULT is one of
    none                  run to the end;
    before-rename:N       die just before the N-th atomic write of the run renames its finished
                          temporary file into place: in the middle of writing that file;
    after-rename:N        die just after the N-th rename: the file is in place, nothing after it is;
    after-backup-removed  die just after the finished run's checkpoints are removed.
The writes of a run are, in order: each epoch's checkpoint (its identity file first, then its
weights and its record), then the outputs (gan.keras, generator.keras, the script's), then run.json.
"""

import os
import runpy
import signal
import sys

import tfgan

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")
sys.path.insert(0, BIN)


def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def inject(fault):
    if fault == "none":
        return
    if fault == "after-backup-removed":
        remove = tfgan.runs.Checkpoints.remove

        def remove_then_die(self):
            remove(self)
            die()

        tfgan.runs.Checkpoints.remove = remove_then_die
        return
    when, count = fault.split(":")
    replace, renames = os.replace, [0]

    def counted_replace(source, destination):
        if not os.path.basename(source).startswith(".tmp-"):
            return replace(source, destination)
        renames[0] += 1
        if when == "before-rename" and renames[0] == int(count):
            die()
        replace(source, destination)
        if when == "after-rename" and renames[0] == int(count):
            die()

    os.replace = counted_replace


def main():
    script, fault, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    inject(fault)
    path = os.path.join(BIN, script)
    sys.argv = [path, *flags]
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    main()
