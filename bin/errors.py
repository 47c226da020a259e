"""How every bin/ script ends: bad flags, bad input, an OS error or divergence are one line on
stderr and exit status 1 (with --debug, the traceback instead); tfgan's progress lines go to
stdout."""

import errno
import logging
import math
import os
import sys
from typing import Callable, List

import tensorflow as tf
from absl import app, flags

import tfgan

PATH_FLAGS = ("output_dir", "data_dir", "generator", "output", "png", "plot", "classifier_dir")
"""Flags that name files or directories: a leading ~ is expanded, as a shell would."""

flags.DEFINE_boolean("debug", False, "On an error, show its Python traceback instead of one line.")


def run(main: Callable[[List[str]], None]) -> None:
    """Runs an absl main with one-line errors; every float flag must be finite."""

    def parse_flags(argv):
        try:
            remaining = flags.FLAGS(argv)
        except flags.Error as error:
            sys.exit(error_line(argv[0], error))
        for name in list(flags.FLAGS):
            value = flags.FLAGS[name].value
            if isinstance(value, float) and not math.isfinite(value):
                sys.exit(error_line(argv[0], f"--{name} must be a finite number, got {value}."))
            if name in PATH_FLAGS and isinstance(value, str):
                setattr(flags.FLAGS, name, os.path.expanduser(value))
        return remaining

    def main_with_clean_errors(argv):
        _show_progress_lines()
        try:
            main(argv)
        except KeyboardInterrupt:
            _exit(argv[0], "interrupted; rerun the same command to resume from the last epoch.")
        except Exception as error:  # every failure is one line, unless --debug asks for more
            if flags.FLAGS.debug:
                raise
            _exit(argv[0], describe(error))

    app.run(main_with_clean_errors, flags_parser=parse_flags)


def describe(error: Exception) -> str:
    """One line saying what went wrong, for an error that reached a script's top level."""
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        if error.errno == errno.ENOSPC:
            return (
                f"no space left on the device{where}: free some space and rerun the same command "
                "(the run resumes from its last complete checkpoint)."
            )
        return f"{error.strerror}{where}."
    if isinstance(error, tf.errors.OpError):
        return error.message.strip().splitlines()[0]
    if isinstance(error, (ValueError, OSError, tfgan.callbacks.DivergenceError)):
        return str(error)
    return (
        f"{type(error).__name__}: {error} (an internal error: rerun with --debug for its traceback)"
    )


def error_line(program: str, error) -> str:
    message = " ".join(str(error).split())
    return f"{os.path.basename(program)}: error: {message}"


def warn(message: str) -> None:
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: warning: {message}\n")


def _show_progress_lines() -> None:
    """tfgan's log lines (resuming, waiting for a cluster) as plain lines on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tfgan")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _exit(program: str, error) -> None:
    """Prints the error line and ends the process at once, as a kill would.

    Everything a run writes survives a kill, while the orderly exit can crash: after a failed write
    (a full disk) HDF5 segfaults when it closes what the failure left open at interpreter exit.
    """
    if sys.stdout.isatty():
        sys.stdout.write("\n")  # end a progress bar's line
    sys.stdout.flush()
    sys.stderr.write(error_line(program, error) + "\n")
    sys.stderr.flush()
    os._exit(1)
