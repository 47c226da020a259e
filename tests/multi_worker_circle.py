"""One worker of distribute_test's two-worker cluster: runs bin/train_circle.py, then reports.

    python tests/multi_worker_circle.py REPORT.npz [train_circle.py flags]

Runs the script as a user does, watching its call of `tfgan.runs.train`: the directory that its
callbacks write to on this worker, and the weights at the end of training. REPORT.npz gets
write_dir, pid and weight_0, weight_1, ...
"""

import os
import runpy
import sys

import keras
import numpy as np

import tfgan

BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin")
TRAIN_CIRCLE = os.path.join(BIN, "train_circle.py")


def main():
    report, flags = sys.argv[1], sys.argv[2:]
    seen = {}
    train = tfgan.runs.train

    class RecordWeights(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.update({f"weight_{i}": w for i, w in enumerate(self.model.get_weights())})

    def watched_train(*args, callbacks=(), **kwargs):
        def watched_callbacks(directory):
            seen["write_dir"] = directory
            given = callbacks(directory) if callable(callbacks) else callbacks
            return [*given, RecordWeights()]

        return train(*args, callbacks=watched_callbacks, **kwargs)

    tfgan.runs.train = watched_train
    sys.path.insert(0, BIN)
    sys.argv = [TRAIN_CIRCLE, *flags]
    try:
        runpy.run_path(TRAIN_CIRCLE, run_name="__main__")
    except SystemExit as exit:
        if exit.code:
            raise
    np.savez(report, pid=os.getpid(), **seen)


if __name__ == "__main__":
    main()
