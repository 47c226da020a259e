"""One worker of distribute_test's two-worker cluster: runs bin/train_circle.py, then reports.

    python tests/multi_worker_circle.py REPORT.npz [train_circle.py flags]

Runs the script as a user does, watching one of its library calls: the directory its training callbacks
write to, and the weights at the end of training. REPORT.npz gets write_dir, pid and weight_0, weight_1,
...
"""

import os
import runpy
import sys

import keras
import numpy as np

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")
TRAIN_CIRCLE = os.path.join(BIN, "train_circle.py")
sys.path.insert(0, BIN)
import cli  # noqa: E402  (bin/cli.py, the module train_circle.py imports)


def main():
    report, flags = sys.argv[1], sys.argv[2:]
    seen = {}
    training_callbacks = cli.training_callbacks

    class RecordWeights(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.update({f"weight_{i}": w for i, w in enumerate(self.model.get_weights())})

    def watched_training_callbacks(output_dir, checkpoints, extra=()):
        seen["write_dir"] = output_dir
        return training_callbacks(output_dir, checkpoints, [*extra, RecordWeights()])

    cli.training_callbacks = watched_training_callbacks
    sys.argv = [TRAIN_CIRCLE, *flags]
    try:
        runpy.run_path(TRAIN_CIRCLE, run_name="__main__")
    except SystemExit as exit:
        if exit.code:
            raise
    np.savez(report, pid=os.getpid(), **seen)


if __name__ == "__main__":
    main()
