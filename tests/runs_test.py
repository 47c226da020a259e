"""Tests of tfgan.runs: atomic writes, verified checkpoints, the run's lock, identity and record."""

import hashlib
import json
import os

import keras
import tensorflow as tf
from absl.testing import parameterized

import tfgan
from tfgan import networks, runs

IDENTITY = {"script": "train.py", "flags": {"seed": 0, "steps": 10}}


def _small_model():
    keras.utils.set_random_seed(0)
    gan = tfgan.GAN(
        networks.mlp_generator(2, 2, (4,)), networks.mlp_discriminator(2, (4,)), 2, seed=0
    )
    gan.compile()
    return gan


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, content):
    with open(path, "wb") as f:
        f.write(content)


class WriteAtomicallyTest(tf.test.TestCase):
    def test_replaces_the_file_through_a_temporary_name_ending_like_it(self):
        path = os.path.join(self.get_temp_dir(), "figures.json")
        _write(path, b"old")
        seen = []

        def write(temporary):
            seen.append(temporary)
            self.assertFalse(os.path.exists(temporary))
            _write(temporary, b"new")
            self.assertEqual(_read(path), b"old")  # untouched until the rename

        runs.write_atomically(path, write)
        self.assertEqual(_read(path), b"new")
        (temporary,) = seen
        self.assertEqual(os.path.dirname(temporary), os.path.dirname(path))
        self.assertTrue(temporary.endswith("figures.json"))
        self.assertFalse(os.path.exists(temporary))

    def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(self):
        path = os.path.join(self.get_temp_dir(), "model.keras")
        _write(path, b"old")

        def write(temporary):
            _write(temporary, b"half")
            raise OSError(28, "No space left on device")

        with self.assertRaises(OSError):
            runs.write_atomically(path, write)
        self.assertEqual(_read(path), b"old")
        self.assertEqual(os.listdir(self.get_temp_dir()), ["model.keras"])

    def test_json_round_trips_and_checksum_is_sha256(self):
        path = os.path.join(self.get_temp_dir(), "record.json")
        runs.write_json(path, {"a": [1, 2]})
        self.assertEqual(runs.read_json(path), {"a": [1, 2]})
        self.assertEqual(runs.checksum(path), hashlib.sha256(_read(path)).hexdigest())
        _write(path, b'{"a": [1,')  # damaged
        self.assertIsNone(runs.read_json(path))
        self.assertIsNone(runs.read_json(os.path.join(self.get_temp_dir(), "missing.json")))

    def test_temporary_files_left_by_a_kill_are_removed(self):
        directory = os.path.join(self.get_temp_dir(), "run")
        os.makedirs(os.path.join(directory, "images"))
        _write(os.path.join(directory, "images", ".tmp-123-epoch_001.png"), b"x")
        _write(os.path.join(directory, "images", "epoch_001.png"), b"x")
        runs.remove_temporary_files(directory)
        self.assertEqual(os.listdir(os.path.join(directory, "images")), ["epoch_001.png"])


class CheckpointsTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.checkpoints = runs.Checkpoints(os.path.join(self.get_temp_dir(), "backup"))
        self.gan = _small_model()

    def test_keeps_the_newest_two_verified_newest_first(self):
        for epoch in (1, 2, 3):
            self.checkpoints.save(self.gan, epoch, steps=10 * epoch)
        newest, previous = self.checkpoints.verified()
        self.assertEqual((newest.epoch, newest.steps, previous.epoch), (3, 30, 2))
        self.assertCountEqual(
            os.listdir(self.checkpoints.directory),
            [
                "epoch_0002.json",
                "epoch_0002.weights.h5",
                "epoch_0003.json",
                "epoch_0003.weights.h5",
            ],
        )

    def test_a_damaged_checkpoint_is_reported_and_the_previous_one_offered(self):
        for epoch in (1, 2):
            self.checkpoints.save(self.gan, epoch, steps=epoch)
        newest = os.path.join(self.checkpoints.directory, "epoch_0002.weights.h5")
        content = bytearray(_read(newest))
        content[len(content) // 2] ^= 0xFF
        _write(newest, bytes(content))
        damaged, good = self.checkpoints.verified()
        self.assertIn("epoch 2 is damaged", damaged)
        self.assertEqual(good.epoch, 1)

    def test_a_damaged_record_is_reported(self):
        self.checkpoints.save(self.gan, 1, steps=1)
        _write(os.path.join(self.checkpoints.directory, "epoch_0001.json"), b"{")
        (damaged,) = self.checkpoints.verified()
        self.assertIn("damaged record", damaged)

    def test_a_checkpoint_restores_weights_optimizers_and_seed_state(self):
        self.gan.fit(tfgan.data.circle(8, seed=0), steps_per_epoch=3, verbose=0)
        checkpoint = self.checkpoints.save(self.gan, 1, steps=3)
        restored = _small_model()
        restored.load_weights(checkpoint.path)
        for want, got in zip(self.gan.get_weights(), restored.get_weights()):
            self.assertAllEqual(want, got)
        self.assertEqual(int(restored.d_optimizer.iterations), 3)
        self.assertAllEqual(restored.seed_generator.state, self.gan.seed_generator.state)

    def test_the_identity_is_written_beside_the_first_checkpoint(self):
        checkpoints = runs.Checkpoints(self.checkpoints.directory, identity=IDENTITY)
        checkpoints.save(self.gan, 1, steps=1)
        self.assertEqual(runs.read_json(checkpoints.identity_path), IDENTITY)


class RunTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.directory = os.path.join(self.get_temp_dir(), "run")

    def _finish(self, run, content=b"model"):
        return run.finish({"model.bin": lambda path: _write(path, content)}, steps=10)

    def test_a_second_run_on_the_directory_fails_at_once_naming_the_holder(self):
        with runs.Run(self.directory, IDENTITY):
            with self.assertRaisesRegex(runs.RunError, rf"pid {os.getpid()}.*another output"):
                runs.Run(self.directory, IDENTITY).__enter__()
        with runs.Run(self.directory, IDENTITY) as run:  # released when the first one ended
            self.assertFalse(run.finished)

    def test_finish_writes_outputs_then_the_record_then_removes_the_checkpoints(self):
        with runs.Run(self.directory, IDENTITY) as run:
            run.checkpoints.save(_small_model(), 1, steps=5)
            record = self._finish(run)
        self.assertFalse(os.path.exists(os.path.join(self.directory, runs.BACKUP)))
        self.assertEqual(record["files"], {"model.bin": hashlib.sha256(b"model").hexdigest()})
        self.assertEqual(runs.read_json(os.path.join(self.directory, runs.RECORD)), record)
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertTrue(run.finished)

    def test_a_new_run_starts_at_epoch_0_and_a_checkpointed_one_resumes_after_it(self):
        gan = _small_model()
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertEqual(run.resume_epoch, 0)
            for epoch in (1, 2):
                run.checkpoints.save(gan, epoch, steps=epoch)
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertEqual(run.resume_epoch, 2)
            self.assertEqual(run.notes, [])
            restored = _small_model()
            run.restore(restored)
            self.assertAllEqual(restored.get_weights()[0], gan.get_weights()[0])

    def test_damaged_checkpoints_fall_back_to_the_previous_one_then_to_the_start(self):
        with runs.Run(self.directory, IDENTITY) as run:
            for epoch in (1, 2):
                run.checkpoints.save(_small_model(), epoch, steps=epoch)
        backup = os.path.join(self.directory, runs.BACKUP)
        _write(os.path.join(backup, "epoch_0002.weights.h5"), b"truncated")
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertEqual(run.resume_epoch, 1)
            self.assertLen(run.notes, 1)
        os.remove(os.path.join(backup, "epoch_0001.weights.h5"))
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertEqual(run.resume_epoch, 0)
            self.assertLen(run.notes, 2)

    def test_other_flags_or_another_script_fail_naming_them(self):
        with runs.Run(self.directory, IDENTITY) as run:
            run.checkpoints.save(_small_model(), 1, steps=1)
        other_flags = {"script": "train.py", "flags": {"seed": 1, "steps": 10}}
        with self.assertRaisesRegex(runs.RunError, r"--seed=0 \(now 1\)"):
            runs.Run(self.directory, other_flags).__enter__()
        with self.assertRaisesRegex(runs.RunError, "run of train.py, not of other.py"):
            runs.Run(self.directory, {**IDENTITY, "script": "other.py"}).__enter__()

    def test_a_finished_run_whose_files_changed_is_reported_not_finished(self):
        with runs.Run(self.directory, IDENTITY) as run:
            self._finish(run)
        _write(os.path.join(self.directory, "model.bin"), b"changed")
        with self.assertRaisesRegex(runs.RunError, "model.bin is missing or changed"):
            runs.Run(self.directory, IDENTITY).__enter__()

    def test_leftover_checkpoints_and_temporary_files_of_a_finished_run_are_removed(self):
        with runs.Run(self.directory, IDENTITY) as run:
            self._finish(run)
        os.makedirs(os.path.join(self.directory, runs.BACKUP))  # as if killed before the removal
        _write(os.path.join(self.directory, ".tmp-99-model.bin"), b"x")
        with runs.Run(self.directory, IDENTITY) as run:
            self.assertTrue(run.finished)
        self.assertCountEqual(os.listdir(self.directory), ["model.bin", runs.RECORD, runs.LOCK])

    def test_a_process_that_does_not_write_takes_no_lock_and_writes_nothing(self):
        with runs.Run(self.directory, IDENTITY) as writer:
            with runs.Run(self.directory, IDENTITY, writer=False) as reader:
                self.assertFalse(reader.finished)
                self.assertEqual(reader.finish({"x": lambda path: None}, steps=1), {})
            self._finish(writer)
        self.assertNotIn("x", os.listdir(self.directory))

    def test_the_record_holds_the_identity_and_the_steps(self):
        with runs.Run(self.directory, IDENTITY) as run:
            self._finish(run)
        with open(os.path.join(self.directory, runs.RECORD)) as f:
            record = json.load(f)
        self.assertEqual(record["script"], "train.py")
        self.assertEqual(record["flags"], IDENTITY["flags"])
        self.assertEqual(record["steps"], 10)
        self.assertEqual(sorted(record), ["files", "flags", "script", "steps"])


if __name__ == "__main__":
    tf.test.main()


class _Interrupt(Exception):
    """Stands for a kill in the middle of an epoch."""


class _InterruptAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch = epoch, batch

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._epoch, batch) == (self.epoch, self.batch):
            raise _Interrupt()


def _state(gan):
    """Everything a GAN's training changes: weights, both optimizers, the noise stream."""
    optimizers = [v.numpy() for v in gan.g_optimizer.variables + gan.d_optimizer.variables]
    return gan.get_weights() + optimizers + [gan.seed_generator.state.numpy()]


class TrainTest(tf.test.TestCase, parameterized.TestCase):
    """tfgan.runs.train: a compiled GAN, its data and a directory make a crash-safe run."""

    EPOCHS, STEPS = 3, 4

    def _gan(self):
        recipe = tfgan.recipes.get(
            "circle", hidden_units=8, batch_size=16, steps=12, steps_per_execution=1
        )
        return recipe.build(self.STEPS, seed=0), recipe

    def _train(self, directory, data="callable", callbacks=(), identity=None):
        gan, recipe = self._gan()

        def points(start_epoch):
            return tfgan.data.circle(16, seed=0, start_batch=start_epoch * self.STEPS)

        result = runs.train(
            gan,
            points if data == "callable" else points(0),
            directory,
            epochs=self.EPOCHS,
            steps_per_epoch=self.STEPS,
            identity=identity or {"recipe": recipe.to_dict()},
            callbacks=callbacks,
            verbose=0,
        )
        return gan, result

    def test_writes_the_outputs_then_the_record_and_a_second_call_trains_nothing(self):
        directory = os.path.join(self.get_temp_dir(), "run")
        gan, result = self._train(directory)
        self.assertTrue(result.trained)
        self.assertEqual(result.record["steps"], self.EPOCHS * self.STEPS)
        self.assertEqual(sorted(result.record["files"]), ["gan.keras", "generator.keras"])
        self.assertEqual(runs.read_json(os.path.join(directory, runs.RECORD)), result.record)
        self.assertFalse(os.path.exists(os.path.join(directory, runs.BACKUP)))
        self.assertLen(result.history.history["d_loss"], self.EPOCHS)
        again, second = self._train(directory)
        self.assertFalse(second.trained)
        self.assertIsNone(second.history)
        self.assertEqual(second.record, result.record)
        self.assertEqual(int(again.optimizer.iterations.numpy()), 0)

    @parameterized.parameters("callable", "dataset")
    def test_a_run_interrupted_mid_epoch_resumes_bit_identical(self, data):
        reference, _ = self._train(os.path.join(self.get_temp_dir(), f"reference_{data}"), data)
        directory = os.path.join(self.get_temp_dir(), f"interrupted_{data}")
        with self.assertRaises(_Interrupt):
            self._train(directory, data, callbacks=[_InterruptAt(epoch=1, batch=2)])
        checkpoints = runs.Checkpoints(os.path.join(directory, runs.BACKUP))
        self.assertEqual(next(checkpoints.verified()).epoch, 1)
        with self.assertLogs("tfgan.runs", "INFO") as logs:
            resumed, result = self._train(directory, data)
        self.assertIn("Resuming from the checkpoint after epoch 1", logs.output[0])
        self.assertLen(result.history.history["d_loss"], self.EPOCHS - 1)
        for expected, got in zip(_state(reference), _state(resumed), strict=True):
            self.assertAllEqual(expected, got)

    def test_another_identity_is_refused_naming_what_differs(self):
        directory = os.path.join(self.get_temp_dir(), "run")
        with self.assertRaises(_Interrupt):
            self._train(directory, callbacks=[_InterruptAt(epoch=1, batch=0)], identity={"seed": 0})
        with self.assertRaisesRegex(runs.RunError, r"seed=0 \(now 1\)"):
            self._train(directory, identity={"seed": 1})

    def test_callbacks_may_depend_on_the_directory_the_process_writes(self):
        directory = os.path.join(self.get_temp_dir(), "run")
        seen = []

        def callbacks(written):
            seen.append(written)
            return [keras.callbacks.CSVLogger(os.path.join(written, "log.csv"))]

        self._train(directory, callbacks=callbacks)
        self.assertEqual(seen, [directory])
        self.assertTrue(os.path.isfile(os.path.join(directory, "log.csv")))
