"""What `tfgan.GAN` is handed, checked: its arguments and networks at construction, its batches and
what its loss, regularizers and augmentation return in the step (at tracing). Each failure is one
ValueError that says what to change."""

from typing import Optional, Sequence, Tuple

import keras
import tensorflow as tf


def check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def network_inputs(inputs, labels):
    """What a network is called on: its inputs, or [inputs, labels] for a conditional GAN."""
    return inputs if labels is None else [inputs, labels]


def check_networks(generator, discriminator, latent_dim: int, num_classes: Optional[int]):
    """Raises ValueError unless z(latent_dim) -> G -> D -> one logit fits together; returns G's
    symbolic output.

    Checks by calling both networks on symbolic inputs, which builds subclassed networks too.
    """
    labels = None if num_classes is None else keras.KerasTensor((None,), dtype="int32")
    with_labels = "" if labels is None else " and labels of shape (batch,)"
    z = keras.KerasTensor((None, latent_dim))
    try:
        fake = generator(network_inputs(z, labels))
    except Exception as error:  # Keras raises several types for inputs a network can't take.
        raise ValueError(
            f"The generator can't take noise of shape (batch, {latent_dim}){with_labels}: "
            f"{_one_line(error)}. Build it for latent_dim={latent_dim} or pass the latent_dim it "
            "takes."
        ) from error
    if not isinstance(fake, keras.KerasTensor):
        raise ValueError(f"The generator must return one tensor of examples, got {fake!r}.")
    try:
        logits = discriminator(network_inputs(fake, labels))
    except Exception as error:
        raise ValueError(
            f"The discriminator can't take the generator's output of shape "
            f"{tuple(fake.shape)}{with_labels}: {_one_line(error)}. Build both networks for the "
            "same example shape."
        ) from error
    if not isinstance(logits, keras.KerasTensor) or tuple(logits.shape[1:]) not in ((), (1,)):
        shape = tuple(logits.shape[1:]) if isinstance(logits, keras.KerasTensor) else logits
        raise ValueError(
            f"The discriminator must output one logit per example, but its output shape is {shape}."
        )
    return fake


def declared_log_keys(owner) -> Tuple[str, ...]:
    """The keys `owner` (a loss or an augmentation) declares in `log_keys`, checked to be names."""
    keys = owner.log_keys
    if isinstance(keys, str) or not all(isinstance(key, str) for key in keys):
        raise ValueError(
            f"{type(owner).__name__}.log_keys must be a sequence of log names, e.g. "
            f"('d_real', 'd_fake'), got {keys!r}."
        )
    return tuple(keys)


def check_distinct(log_keys: Sequence[str]) -> None:
    """Raises ValueError if two logs of the step would have one name."""
    repeated = sorted({key for key in log_keys if log_keys.count(key) > 1})
    if repeated:
        raise ValueError(
            f"Two logs would be named {repeated[0]!r} (the losses, the loss's log_keys, the "
            "regularizers' names and the augmentation's log_keys must differ): give the "
            "regularizer another name=."
        )


def check_declared(logs: dict, owner, method: str) -> None:
    """Raises ValueError unless `owner.method` returned logs under exactly the keys of its
    `log_keys` (checked at tracing)."""
    if sorted(logs) != sorted(owner.log_keys):
        raise ValueError(
            f"{type(owner).__name__}.{method} returned logs {sorted(logs)}, but its log_keys are "
            f"{sorted(owner.log_keys)}: declare in log_keys exactly the keys {method} returns."
        )


def check_per_example(values, batch, what: str) -> None:
    """Raises ValueError unless values hold one value per example of batch (checked at tracing)."""
    shape, batch_size = tuple(values.shape), batch.shape[0]
    if len(shape) != 1 or (None not in (shape[0], batch_size) and shape[0] != batch_size):
        raise ValueError(
            f"{what} must return one value per example, shape ({batch_size},), but returned shape "
            f"{shape}: return per-example values, not their mean."
        )


def unpack(data, num_classes: Optional[int], check_range: bool = True):
    """(real examples, int32 labels or None) of a batch x, (x,), (x, y) or (x, y, sample_weight).

    Args:
        data: the batch.
        num_classes: a conditional GAN's classes (labels are then required); None: labels are
            ignored.
        check_range: assert in the step that every label is in [0, num_classes) (XLA compiles no
            assertions: pass False under jit_compile).
    """
    real, labels, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    if sample_weight is not None:
        raise ValueError("A GAN does not use sample weights: give batches of x or (x, labels).")
    if num_classes is None:
        return real, None
    if labels is None:
        raise ValueError(
            f"GAN(num_classes={num_classes}) trains on (examples, labels) batches, but the "
            "data have no labels: yield (x, y), e.g. tfgan.data.mnist(..., with_labels=True)."
        )
    if labels.dtype.is_floating:
        raise ValueError(
            f"GAN(num_classes={num_classes}) takes integer labels, got {labels.dtype.name} "
            "ones: give class indices in [0, num_classes)."
        )
    labels = tf.cast(labels, tf.int32)
    if not check_range:
        return real, labels
    # An embedding on a GPU reads past its table silently: check in the step.
    in_range = tf.logical_and(tf.reduce_all(labels >= 0), tf.reduce_all(labels < num_classes))
    check = tf.debugging.Assert(
        in_range,
        [
            f"GAN(num_classes={num_classes}): a label is outside [0, {num_classes}); "
            "labels are class indices. Labels:",
            labels,
        ],
        summarize=16,
    )
    with tf.control_dependencies([check]):
        labels = tf.identity(labels)
    return real, labels


def split(real, labels, d_steps: int):
    """Splits a batch (and its labels) into d_steps equal minibatches, one per D update."""
    if d_steps == 1:
        return [(real, labels)]
    batch_size = real.shape[0]
    if batch_size is not None and batch_size % d_steps:
        raise ValueError(
            f"A batch of {batch_size} examples cannot be split into d_steps={d_steps} equal "
            "minibatches: batch the data at d_steps * minibatch size."
        )
    reals = tf.split(real, d_steps, axis=0)
    labels = [None] * d_steps if labels is None else tf.split(labels, d_steps, axis=0)
    return list(zip(reals, labels))


def _one_line(error):
    return " ".join(str(error).split()).rstrip(".")
