"""Runs the bin/ scripts' own checks on many command lines in one process and prints their errors.

    python tests/script_checks.py '{"SCRIPT": [["--flag=value", ...], ...], ...}'

Each script is loaded in turn (its flags and its main; its flags are removed again before the next
script is loaded). Each of its command lines is parsed as the script parses it (its flag
validators) and, if the flags pass, given to its main; the error it ends with is written as
bin/errors.py writes a script's one error line ("SCRIPT: error: ..."). The last line of stdout is a
JSON object: for each script, a list of these lines, one per command line, null where no error came
before training would begin (`tfgan.runs.train` is replaced by a stop) or before main returned; or,
for a script that does not load, the string "cannot load SCRIPT: ...".

scripts_test.py uses it for the checks that live in the scripts (their flag validators, their
mains), so that all of them cost one process. The checks of bin/run_flags.py and of the library are
tested in-process, and each script's exit contract (status 1, one line on stderr) in a real run of
it. Unlike a real run, the non-finite float and ~ checks of errors.run are not applied.
"""

import json
import os
import runpy
import sys

from absl import flags

import tfgan

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")


class _TrainingWouldBegin(Exception):
    pass


def _stop(*args, **kwargs):
    raise _TrainingWouldBegin


def check(script, command_lines):
    """The error line each command line of the script ends with (None: none), or a string saying
    why the script does not load."""
    import errors  # bin/errors.py

    path = os.path.join(BIN, script)
    defined = set(flags.FLAGS)
    try:
        try:
            script_main = runpy.run_path(path, run_name=os.path.splitext(script)[0])["main"]
        except Exception as error:  # a script that is broken: say so, check the others
            return f"cannot load {script}: {type(error).__name__}: {error}"
        lines = []
        for args in command_lines:
            flags.FLAGS.unparse_flags()
            try:
                script_main(flags.FLAGS([path, *args]))
                lines.append(None)
            except _TrainingWouldBegin:
                lines.append(None)
            except flags.Error as error:
                lines.append(errors.error_line(path, error))
            except Exception as error:  # what errors.run would end the script with
                lines.append(errors.error_line(path, errors.describe(error)))
        return lines
    finally:
        for name in set(flags.FLAGS) - defined:
            delattr(flags.FLAGS, name)


def main():
    cases = json.loads(sys.argv[1])
    sys.path.insert(0, BIN)
    tfgan.runs.train = _stop
    print(json.dumps({script: check(script, lines) for script, lines in cases.items()}))


if __name__ == "__main__":
    main()
