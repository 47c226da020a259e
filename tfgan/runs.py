"""Crash-safe training runs: `train` a GAN into a directory, resumable after a kill at any instant.

    result = tfgan.runs.train(gan, data, "runs/circle", epochs=10, steps_per_epoch=600,
                              identity={"recipe": "circle", "seed": 0})

A run's directory holds its outputs, `backup/` while it trains (a checkpoint after every epoch, the
newest two kept, each with its checksum, and beside them the run's identity: what the caller says
defines the run) and, once it has finished, `run.json`: the identity, the step count and the
checksum of every output. Every file goes to a temporary name in its directory, is flushed to disk
and renamed into place, and `run.json` is written last, so a kill at any instant leaves a finished
run whose record verifies, or a checkpoint to resume from (or nothing yet: the run starts again),
never a run that looks finished and is not. `backup/` is removed only after `run.json` exists.
`train` says what it does (resuming, passing over a damaged checkpoint) through the `tfgan.runs`
logger.
"""

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import keras
import tensorflow as tf

from tfgan import callbacks as callbacks_lib
from tfgan import distribute

RECORD = "run.json"
BACKUP = "backup"
LOCK = ".lock"
IDENTITY = "identity.json"
_TEMPORARY = ".tmp-"
_LOGGER = logging.getLogger(__name__)


def write_atomically(path: str, write: Callable[[str], Any]) -> None:
    """Writes a file so that `path` holds either its old content or the whole new one, never a part.

    `write(temporary_path)` writes the content to a temporary file in the same directory, whose name
    ends like `path` (so that writers that go by the suffix, such as Keras's `.keras` and
    `.weights.h5`, PIL and NumPy, see the right one); the file is flushed to disk and renamed to
    `path`. If anything fails, the temporary file is removed and `path` is untouched.
    """
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f"{_TEMPORARY}{os.getpid()}-{name}")
    try:
        write(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _fsync(directory)


def write_json(path: str, content: Any) -> None:
    """Writes `content` as indented JSON, atomically."""

    def write(temporary):
        with open(temporary, "w") as f:
            json.dump(content, f, indent=2)

    write_atomically(path, write)


def read_json(path: str) -> Optional[Any]:
    """The JSON content of path, or None if it is missing or not JSON (a damaged file)."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        return None


def checksum(path: str) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_temporary_files(directory: str) -> None:
    """Removes the temporary files that writes interrupted by a kill left in a directory tree."""
    for folder, _, names in os.walk(directory):
        for name in names:
            if name.startswith(_TEMPORARY):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(folder, name))


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: the model's whole state after `epoch` epochs (`steps` train steps)."""

    epoch: int
    steps: int
    path: str


class Checkpoints:
    """The checkpoints of a run, one per epoch, the newest `keep` kept, each verified by a checksum.

    `save` writes the model's weights file (`model.save_weights`: its networks, optimizers and, for
    a `tfgan.GAN`, its seed states) and then a small JSON file naming it with its checksum, each
    atomically: a checkpoint exists once its JSON does, and is complete then.

    Args:
        directory: where the checkpoints go (created on the first save).
        keep: how many checkpoints to keep; the older ones are removed after each save.
        identity: what the checkpoints are of (JSON values), written beside them with the first.
    """

    def __init__(self, directory: str, keep: int = 2, identity: Optional[Mapping[str, Any]] = None):
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}.")
        self.directory = directory
        self.keep = keep
        self.identity = identity

    @property
    def identity_path(self) -> str:
        return os.path.join(self.directory, IDENTITY)

    def save(self, model, epoch: int, steps: int) -> Checkpoint:
        """Saves model state after `epoch` epochs; removes checkpoints beyond the newest `keep`."""
        os.makedirs(self.directory, exist_ok=True)
        if self.identity is not None and not os.path.exists(self.identity_path):
            write_json(self.identity_path, self.identity)
        weights = os.path.join(self.directory, f"epoch_{epoch:04d}.weights.h5")
        write_atomically(weights, lambda path: model.save_weights(path))
        write_json(
            self._record_path(epoch),
            {
                "epoch": epoch,
                "steps": steps,
                "weights": os.path.basename(weights),
                "sha256": checksum(weights),
            },
        )
        for old in self._epochs()[: -self.keep]:
            self._remove(old)
        return Checkpoint(epoch, steps, weights)

    def verified(self) -> Iterator[Any]:
        """Checkpoints, newest first: each a Checkpoint, or a string saying why one is damaged."""
        for epoch in reversed(self._epochs()):
            record = read_json(self._record_path(epoch))
            if not isinstance(record, dict) or not {"epoch", "steps", "weights", "sha256"} <= set(
                record
            ):
                yield f"the checkpoint of epoch {epoch} has a damaged record"
                continue
            weights = os.path.join(self.directory, record["weights"])
            if not os.path.isfile(weights) or checksum(weights) != record["sha256"]:
                yield (
                    f"the checkpoint of epoch {epoch} is damaged "
                    "(its weights do not match their checksum)"
                )
                continue
            yield Checkpoint(record["epoch"], record["steps"], weights)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def _record_path(self, epoch):
        return os.path.join(self.directory, f"epoch_{epoch:04d}.json")

    def _epochs(self) -> List[int]:
        """The epochs that have a checkpoint record (complete or not), oldest first."""
        if not os.path.isdir(self.directory):
            return []
        epochs = []
        for name in os.listdir(self.directory):
            stem, suffix = os.path.splitext(name)
            if suffix == ".json" and stem.startswith("epoch_") and stem[6:].isdigit():
                epochs.append(int(stem[6:]))
        return sorted(epochs)

    def _remove(self, epoch):
        for path in (
            self._record_path(epoch),
            os.path.join(self.directory, f"epoch_{epoch:04d}.weights.h5"),
        ):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


class RunError(ValueError):
    """A run that can't go on as asked: its directory is in use, holds another run or is damaged."""


class Run:
    """A training run in a directory: its lock, identity, checkpoints and completion record.

    Entering the context makes the directory, takes its lock (a second process fails at once),
    removes temporary files that a killed process left, and checks the run's identity against the
    finished record or the checkpoints' (another script or other flags fail with a message naming
    them). Then `finished` says whether the run is done (a finished run's leftover checkpoints are
    removed), `resume_epoch` where to start (`notes` says why damaged checkpoints were passed over),
    `restore` loads the checkpoint into a model, and `finish` writes the outputs and the record.

    Args:
        directory: the run's directory.
        identity: what defines the run, e.g. {"script": "train_mnist.py", "flags": {...}}: JSON
            values, stored with the checkpoints and in the record.
        writer: False for a process that must not write the directory (a non-chief worker of a
            cluster): it takes no lock and writes nothing there.
    """

    def __init__(self, directory: str, identity: Mapping[str, Any], writer: bool = True):
        self.directory = directory
        self.identity = json.loads(json.dumps(identity))  # as it reads back from JSON
        self.writer = writer
        self.checkpoints = Checkpoints(os.path.join(directory, BACKUP), identity=self.identity)
        self.notes: List[str] = []
        self.finished = False
        self._lock = None
        self._checkpoint: Optional[Checkpoint] = None

    def __enter__(self) -> "Run":
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise RunError(f"{self.directory} is not a directory: choose another output directory.")
        if self.writer:
            os.makedirs(self.directory, exist_ok=True)
            self._lock = _lock(os.path.join(self.directory, LOCK), self.directory)
            remove_temporary_files(self.directory)
        try:
            self._check_identity()
            self.finished = self._record_verifies()
            if self.finished:
                if self.writer:  # a kill came between the record and the removal of the backup
                    self.checkpoints.remove()
            else:
                self._checkpoint = self._latest_checkpoint()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exception):
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @property
    def resume_epoch(self) -> int:
        """The epoch training starts at: the newest good checkpoint's, or 0 for a new run."""
        return self._checkpoint.epoch if self._checkpoint else 0

    def restore(self, model) -> None:
        """Loads the newest good checkpoint into the model (nothing for a new run)."""
        if self._checkpoint:
            model.load_weights(self._checkpoint.path)

    def finish(self, outputs: Mapping[str, Callable[[str], Any]], steps: int) -> Dict[str, Any]:
        """Writes the outputs, then the record, then removes the checkpoints; returns the record.

        Args:
            outputs: {file name in the directory: a function that writes the file at a given path}.
            steps: the run's train steps, for the record.
        """
        if not self.writer:
            return {}
        files = {}
        for name, write in outputs.items():
            path = os.path.join(self.directory, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_atomically(path, write)
            files[name] = checksum(path)
        record = {**self.identity, "steps": steps, "files": files}
        write_json(self.record_path, record)
        self.checkpoints.remove()
        return record

    def _record_verifies(self) -> bool:
        """Whether the finished record exists and every file it lists matches its checksum.

        Raises:
            RunError: the record exists but a file it lists is missing or changed.
        """
        record = read_json(self.record_path)
        if record is None:
            return False
        for name, digest in record.get("files", {}).items():
            path = os.path.join(self.directory, name)
            if not os.path.isfile(path) or checksum(path) != digest:
                raise RunError(
                    f"{self.directory} holds a finished run whose {name} is missing or changed "
                    f"since it was written: choose a new output directory, or delete "
                    f"{self.record_path} to train this run again."
                )
        return True

    @property
    def record_path(self) -> str:
        return os.path.join(self.directory, RECORD)

    def _check_identity(self):
        """Raises RunError if the directory holds a run of another script or of another identity."""
        for path in (self.record_path, self.checkpoints.identity_path):
            stored = read_json(path)
            if stored is None:
                continue
            if stored.get("script") != self.identity.get("script"):
                raise RunError(
                    f"{self.directory} holds a run of {stored.get('script')}, not of "
                    f"{self.identity.get('script')}: choose another output directory."
                )
            differing = _differing(_flat(stored, RECORD_ONLY), _flat(self.identity, RECORD_ONLY))
            if differing:
                raise RunError(
                    f"{self.directory} holds a run with other settings ({', '.join(differing)}): "
                    "rerun it with the same settings to resume it, or choose another directory."
                )
            return

    def _latest_checkpoint(self) -> Optional[Checkpoint]:
        """The newest verified checkpoint; the damaged ones passed over are noted in `notes`."""
        for checkpoint in self.checkpoints.verified():
            if isinstance(checkpoint, Checkpoint):
                return checkpoint
            self.notes.append(checkpoint)
        return None


RECORD_ONLY = ("steps", "files")
"""Keys the completion record adds to the identity."""


def _flat(identity: Mapping[str, Any], leave_out: Sequence[str] = ()) -> Dict[str, Any]:
    """{key: value} of an identity, nested mappings flattened; a script's flags read as --name."""
    flat = {}
    for key, value in identity.items():
        if key in leave_out or key == "script":
            continue
        if isinstance(value, Mapping):
            prefix = "--" if key == "flags" else f"{key}."
            flat.update({f"{prefix}{name}": item for name, item in _flat(value).items()})
        else:
            flat[key] = value
    return flat


def _differing(stored: Mapping[str, Any], given: Mapping[str, Any]) -> List[str]:
    """'name=stored (now given)' for each key whose value differs; None reads 'its default'."""

    def shown(value):
        return "its default" if value is None else repr(value)

    return [
        f"{name}={shown(stored.get(name))} (now {shown(given.get(name))})"
        for name in sorted(set(stored) | set(given))
        if stored.get(name) != given.get(name)
    ]


def _lock(path: str, directory: str):
    """Takes an exclusive lock on `path` without waiting; it holds until the file is closed."""
    lock = open(path, "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        lock.seek(0)
        holder = lock.read().strip()
        lock.close()
        if error.errno in (errno.EAGAIN, errno.EACCES):
            raise RunError(
                f"another process{f' (pid {holder})' if holder else ''} is training into "
                f"{directory}: wait for it to end, or choose another output directory."
            ) from error
        raise
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def _fsync(path: str) -> None:
    """Flushes a file (or a directory entry) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclasses.dataclass
class TrainedRun:
    """What `train` did.

    Attributes:
        record: the run's completion record (`run.json`: identity, steps, files' checksums).
        trained: False when the directory held this run finished already and nothing was trained.
        history: `fit`'s History of the epochs trained in this call (None when nothing was trained).
    """

    record: Dict[str, Any]
    trained: bool
    history: Optional[keras.callbacks.History] = None


Data = Union[tf.data.Dataset, Callable[[int], tf.data.Dataset]]
CallbacksArg = Union[
    Sequence[keras.callbacks.Callback], Callable[[str], Sequence[keras.callbacks.Callback]]
]


def train(
    gan: keras.Model,
    data: Data,
    directory: str,
    *,
    epochs: int,
    steps_per_epoch: int,
    identity: Optional[Mapping[str, Any]] = None,
    outputs: Optional[Mapping[str, Callable[[str], Any]]] = None,
    callbacks: CallbacksArg = (),
    verbose: Union[str, int] = "auto",
) -> TrainedRun:
    """Trains a compiled GAN into `directory`, crash-safe: a call after a kill at any point resumes.

    The first call trains from the start; a call on a directory whose run was interrupted resumes
    from its newest good checkpoint (passing over damaged ones) with the data at that epoch, and
    ends bit-identical to an uninterrupted run; a call on a finished run trains nothing. Each epoch
    ends with a verified checkpoint; non-finite losses or weights stop the run (`DivergenceError`)
    before a bad checkpoint is written. At the end the outputs are written, each atomically, then
    the completion record `run.json`, then the checkpoints are removed. TensorBoard logs go to
    `directory/logs`. Under a multi-worker strategy only the chief writes `directory`, which must be
    on a file system all workers share.

    Args:
        gan: a compiled `tfgan.GAN` (or any Keras model whose `save_weights` holds its whole state),
            built in the strategy's scope it trains under.
        data: an endless dataset of batches, identical on every call (seed its shuffling), of which
            the batches already trained are skipped on resume; or a function of the start epoch that
            returns the data from that epoch on (faster: nothing to skip).
        directory: the run's directory (created).
        epochs: the run's epochs in all.
        steps_per_epoch: train steps per epoch (a whole number of `steps_per_execution`).
        identity: JSON values that define the run (e.g. its settings and seed): a call with another
            identity on the same directory is refused (`RunError`), so a run never resumes under
            other settings.
        outputs: {file name: function that writes it at a given path}, besides the defaults
            `gan.keras` and `generator.keras` (the averaged generator when there is one, and then
            `trained_generator.keras`, the trained one).
        callbacks: Keras callbacks run before the run's own (divergence, TensorBoard, checkpoint);
            or a function of the directory this process writes (a temporary one on a non-chief
            worker) that returns them.
        verbose: as `fit`'s.

    Returns:
        A `TrainedRun`: the completion record, whether this call trained, and `fit`'s History.

    Raises:
        RunError: the directory is in use by another process, or holds a run of another identity.
        tfgan.callbacks.DivergenceError: the losses or weights stopped being finite.
    """
    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(
            f"epochs and steps_per_epoch must be positive, got {epochs} and {steps_per_epoch}."
        )
    strategy = gan.distribute_strategy
    chief = distribute.is_chief(strategy)
    with Run(directory, dict(identity or {}), writer=chief) as shared:
        if shared.finished:
            _LOGGER.info(
                "%s already holds a finished run; choose another directory to train again.",
                directory,
            )
            return TrainedRun(read_json(shared.record_path), trained=False)
        with _worker_run(shared, chief) as run:
            for note in run.notes:
                _LOGGER.warning("Passing over a damaged checkpoint: %s.", note)
            start = run.resume_epoch
            if start:
                _LOGGER.info(
                    "Resuming from the checkpoint after epoch %d in %s",
                    start,
                    run.checkpoints.directory,
                )
            elif run.notes:
                _LOGGER.warning("No good checkpoint is left: training from the start.")
            run.restore(gan)
            extra = callbacks(run.directory) if callable(callbacks) else callbacks
            history = gan.fit(
                data(start) if callable(data) else data.skip(start * steps_per_epoch),
                epochs=epochs,
                steps_per_epoch=steps_per_epoch,
                initial_epoch=start,
                callbacks=[
                    *extra,
                    callbacks_lib.StopOnDivergence(),
                    keras.callbacks.TensorBoard(
                        os.path.join(run.directory, "logs"), write_graph=False
                    ),
                    callbacks_lib.Checkpoint(run.checkpoints),
                ],
                shuffle=False,
                verbose=verbose,
            )
            files = {**generator_outputs(gan), **(outputs or {})}
            record = run.finish(files, steps=int(gan.optimizer.iterations.numpy()))
    return TrainedRun(record, trained=True, history=history)


def generator_outputs(gan: keras.Model) -> Dict[str, Callable[[str], None]]:
    """{file name: writer} of a GAN's default outputs: gan.keras, generator.keras (what samples come
    from: the averaged generator when there is one) and then trained_generator.keras."""
    written = {"gan.keras": gan.save, "generator.keras": gan.sampling_generator.save}
    if getattr(gan, "averaged_generator", None) is not None:
        written["trained_generator.keras"] = gan.generator.save
    return written


@contextlib.contextmanager
def _worker_run(shared: Run, chief: bool) -> Iterator[Run]:
    """The run this process writes: the shared run on the chief, a temporary copy elsewhere.

    Every worker of a cluster must run the same saves and predictions (they synchronise), but only
    the chief may write the run's directory. A non-chief worker writes to a temporary directory,
    deleted at the end, that starts with a copy of the chief's checkpoints so that it resumes from
    the same epoch.
    """
    if chief:
        yield shared
        return
    temporary = tempfile.mkdtemp(prefix="tfgan_worker_")
    try:
        if os.path.isdir(shared.checkpoints.directory):
            shutil.copytree(shared.checkpoints.directory, os.path.join(temporary, BACKUP))
        with Run(temporary, shared.identity) as run:
            yield run
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
