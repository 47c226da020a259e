"""GAN: the two-player game of Goodfellow et al. 2014 as a keras.Model trained with `fit`."""

from typing import Optional, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan import losses

UPDATES = ("alternating", "simultaneous")
NOISES = ("normal", "uniform")
LOG_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy")


@keras.saving.register_keras_serializable(package="tfgan")
class GAN(keras.Model):
    """A generator G(z) and a discriminator D(x) trained against each other with `fit`.

    Each element of the training data is a batch of real examples (labels, if present, are ignored).
    With `update="alternating"` (Algorithm 1 of the paper) a train step makes `d_steps` discriminator
    updates, each on its own real minibatch and fresh noise, then one generator update on fresh noise:
    each batch therefore holds `d_steps` minibatches and is split evenly between the D updates.
    With `update="simultaneous"` one forward pass on one batch gives both players' gradients, as in the
    paper's released code and the TensorFlow DCGAN tutorial: cheaper by one generator pass per step.

    Logs (epoch means, shown by the progress bar, History and TensorBoard): `d_loss`, `g_loss`, `d_real`
    (mean D(x)), `d_fake` (mean D(G(z))) and `d_accuracy` (share of real scored > 1/2 and generated
    scored < 1/2; 0.5 at the game's equilibrium, where D(x) = 1/2 everywhere).

    Under `tf.distribute` (create the networks, the GAN and its optimizers in `strategy.scope()`) each
    batch is the global batch: every replica takes its shard (split into `d_steps` minibatches) and its
    own noise, gradients are those of the mean over the global batch, and the logs are global-batch
    means, as one device computes them.

    Args:
        generator: maps [batch, latent_dim] noise to examples.
        discriminator: maps examples to one logit per example.
        latent_dim: size of the noise vector z.
        loss: a name in `tfgan.losses.LOSSES` or a (generator_loss, discriminator_loss) pair.
        d_steps: discriminator updates per generator update (the paper's k).
        update: "alternating" or "simultaneous" (only with d_steps=1).
        noise: prior p(z): "normal" (standard normal) or "uniform" (on [-1, 1]).
        seed: seeds all randomness in the step; the same seed gives the same run.

    Raises:
        ValueError: the networks' shapes do not fit each other or latent_dim, or an argument is invalid.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int,
        loss: Union[str, losses.LossPair, tuple] = "non_saturating",
        d_steps: int = 1,
        update: str = "alternating",
        noise: str = "normal",
        seed: Optional[int] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_networks(generator, discriminator, latent_dim)
        _check_created_in_scope(
            tf.distribute.get_strategy(),
            generator.variables + discriminator.variables,
            "The generator or discriminator",
        )
        if not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}.")
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}.")
        if update == "simultaneous" and d_steps != 1:
            raise ValueError(
                f"update='simultaneous' makes one D and one G update per step: it needs d_steps=1, "
                f"got d_steps={d_steps}. Use update='alternating' for d_steps > 1."
            )
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {noise!r}.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.loss_pair = losses.get(loss)
        self._loss_config = loss
        self.d_steps = d_steps
        self.update = update
        self.noise = noise
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = {key: keras.metrics.Mean(name=key) for key in LOG_KEYS}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, z, training=False):
        """Runs the generator: G(z)."""
        return self.generator(z, training=training)

    def sample_noise(self, batch_size, seed):
        """[batch_size, latent_dim] draws from p(z); seed as for the module's `sample_noise`."""
        return sample_noise(batch_size, self.latent_dim, self.noise, seed)

    def generate(self, n: int, seed: Optional[int] = None, batch_size: int = 1024) -> np.ndarray:
        """Returns n generated examples as a NumPy array (inference mode).

        Args:
            n: number of examples.
            seed: an integer gives the same examples every time; None draws fresh noise.
            batch_size: examples per generator call, to bound memory.
        """
        return generate(self.generator, n, self.noise, seed, batch_size)

    # Compilation and (de)serialisation.

    def compile(
        self,
        g_optimizer: Union[str, keras.optimizers.Optimizer, None] = None,
        d_optimizer: Union[str, keras.optimizers.Optimizer, None] = None,
        jit_compile: Union[str, bool] = "auto",
        steps_per_execution: int = 1,
        **kwargs,
    ):
        """Configures both players' optimizers and how the step is compiled.

        Args:
            g_optimizer: the generator's optimizer (default: Adam(2e-4, beta_1=0.5), as in DCGAN).
            d_optimizer: the discriminator's optimizer (same default); must be a different instance.
            jit_compile: "auto" follows Keras: XLA on GPU/TPU and not on CPU, and not under a
                tf.distribute strategy; True/False force it. Under a strategy, True compiles each
                replica's step (every replica must be a GPU; a TPU compiles everything anyway).
            steps_per_execution: train steps run per `tf.function` call.
            **kwargs: passed to `keras.Model.compile` (e.g. run_eagerly).

        Under a tf.distribute strategy, the optimizers are created and built in the GAN's strategy
        scope; optimizer instances passed in must have been created in it too.

        Raises:
            ValueError: one optimizer for both players, variables from another strategy's scope, or
                jit_compile=True on several non-GPU replicas.
        """
        strategy = self.distribute_strategy
        _check_created_in_scope(strategy, self.variables, "The GAN")
        with strategy.scope():
            g_optimizer = _optimizer(g_optimizer)
            d_optimizer = _optimizer(d_optimizer)
            if g_optimizer is d_optimizer:
                raise ValueError(
                    "g_optimizer and d_optimizer must be two optimizer instances, not one."
                )
            for name, optimizer in (("g_optimizer", g_optimizer), ("d_optimizer", d_optimizer)):
                _check_created_in_scope(strategy, optimizer.variables, name)
            super().compile(
                optimizer=None,
                jit_compile=jit_compile,
                steps_per_execution=steps_per_execution,
                **kwargs,
            )
            _check_jit_compile(strategy, self.jit_compile)
            if self.dtype_policy.name == "mixed_float16":
                g_optimizer = _loss_scaled(g_optimizer)
                d_optimizer = _loss_scaled(d_optimizer)
            self.g_optimizer = g_optimizer
            self.d_optimizer = d_optimizer
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
        self._gan_compile_args = dict(
            g_optimizer=g_optimizer,
            d_optimizer=d_optimizer,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            **kwargs,
        )

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            k: keras.saving.serialize_keras_object(v) for k, v in self._gan_compile_args.items()
        }

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))

    def get_config(self):
        loss = self._loss_config
        if not isinstance(loss, str):
            loss = [keras.saving.serialize_keras_object(fn) for fn in self.loss_pair]
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "loss": loss,
            "d_steps": self.d_steps,
            "update": self.update,
            "noise": self.noise,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if not isinstance(config["loss"], str):
            config["loss"] = tuple(map(keras.saving.deserialize_keras_object, config["loss"]))
        return cls(**config)

    def save_own_variables(self, store):
        """Saves the SeedGenerator's state too, so a reloaded model continues the same noise stream."""
        super().save_own_variables(store)
        store["seed_generator_state"] = self.seed_generator.state

    def load_own_variables(self, store):
        self.seed_generator.state.assign(store["seed_generator_state"])
        for i, variable in enumerate(self._trainable_variables + self._non_trainable_variables):
            variable.assign(store[str(i)])

    # Running steps under tf.distribute.

    def make_train_function(self, force=False):
        if not _is_replicated(self.distribute_strategy):
            return super().make_train_function(force)
        if self.train_function is None or force:
            self.train_function = self._replicated_function(self.train_step)
        return self.train_function

    def make_test_function(self, force=False):
        if not _is_replicated(self.distribute_strategy):
            return super().make_test_function(force)
        if self.test_function is None or force:
            self.test_function = self._replicated_function(self.test_step)
        return self.test_function

    def _replicated_function(self, step):
        """Runs up to `steps_per_execution` replicated steps per call, as `fit`/`evaluate` expect.

        Keras 3 wraps `strategy.run(step)` in a `tf.function` of its own and calls it from a `tf.cond`
        branch of its multi-step loop; MirroredStrategy cannot synchronise replicas (gradient all-reduce,
        merge_call) inside such a nested function, and the run dies with "You must feed a value for
        placeholder tensor". Here `strategy.run(step)` is the body of a `tf.while_loop` that stops at
        `steps_per_execution` or at the end of the data; only fetching the next batch is conditional.
        """
        strategy = self.distribute_strategy
        replica_step = step
        if self.jit_compile and not self.run_eagerly and not _is_tpu(strategy):
            replica_step = _per_replica_xla(step)

        def one_step(data):
            outputs = strategy.run(replica_step, args=(data,))
            # Every replica returns the same global means (_global_means): take the first local one.
            return tf.nest.map_structure(
                lambda v: strategy.experimental_local_results(v)[0], outputs
            )

        def steps(iterator):
            def more(count, outputs, inputs):
                return tf.logical_and(count < self.steps_per_execution, inputs.has_value())

            def run(count, outputs, inputs):
                outputs = one_step(inputs.get_value())
                inputs = tf.cond(
                    count + 1 < self.steps_per_execution,
                    iterator.get_next_as_optional,
                    lambda: inputs,
                )
                return count + 1, outputs, inputs

            zeros = tf.nest.map_structure(tf.zeros_like, self._results())
            count, outputs, _ = tf.while_loop(
                more, run, (tf.constant(0), zeros, iterator.get_next_as_optional())
            )
            return count, outputs

        if not self.run_eagerly:
            steps = tf.function(steps, reduce_retracing=True)

        def function(iterator):
            count, outputs = steps(iterator)
            if int(count) == 0:
                raise StopIteration
            return outputs

        return function

    # The game.

    def train_step(self, data):
        real = _real_examples(data)
        if self.update == "simultaneous":
            self._record(self._simultaneous_step(real))
            return self._results()
        for minibatch in _split(real, self.d_steps):
            self._record(self._discriminator_step(minibatch))
        self._record({"g_loss": self._generator_step(tf.shape(minibatch)[0])})
        return self._results()

    def test_step(self, data):
        real = _real_examples(data)
        fake = self.generator(self._step_noise(tf.shape(real)[0]), training=False)
        real_logits = self.discriminator(real, training=False)
        fake_logits = self.discriminator(fake, training=False)
        logs, _ = _global_means(
            {
                "d_loss": self.loss_pair.discriminator_loss(real_logits, fake_logits),
                "g_loss": self.loss_pair.generator_loss(fake_logits),
                **_example_scores(real_logits, fake_logits),
            }
        )
        self._record(logs)
        return self._results()

    def _discriminator_step(self, real):
        """One update of D with G fixed: maximise log D(x) + log(1 - D(G(z)))."""
        fake = self.generator(self._step_noise(tf.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            losses = self.loss_pair.discriminator_loss(real_logits, fake_logits)
            logs, counts = _global_means(
                {"d_loss": losses, **_example_scores(real_logits, fake_logits)}
            )
            scaled_loss = self.d_optimizer.scale_loss(_share(losses, counts["d_loss"]))
        self._apply(
            self.d_optimizer, tape.gradient(scaled_loss, self._d_variables), self._d_variables
        )
        return logs

    def _generator_step(self, batch_size):
        """One update of G with D fixed, on fresh noise; returns the generator loss."""
        z = self._step_noise(batch_size)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            losses = self.loss_pair.generator_loss(fake_logits)
            logs, counts = _global_means({"g_loss": losses})
            scaled_loss = self.g_optimizer.scale_loss(_share(losses, counts["g_loss"]))
        self._apply(
            self.g_optimizer, tape.gradient(scaled_loss, self._g_variables), self._g_variables
        )
        return logs["g_loss"]

    def _simultaneous_step(self, real):
        """Both players' gradients from one forward pass, applied together."""
        z = self._step_noise(tf.shape(real)[0])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(z, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_losses = self.loss_pair.discriminator_loss(real_logits, fake_logits)
            g_losses = self.loss_pair.generator_loss(fake_logits)
            logs, counts = _global_means(
                {
                    "d_loss": d_losses,
                    "g_loss": g_losses,
                    **_example_scores(real_logits, fake_logits),
                }
            )
            d_scaled_loss = self.d_optimizer.scale_loss(_share(d_losses, counts["d_loss"]))
            g_scaled_loss = self.g_optimizer.scale_loss(_share(g_losses, counts["g_loss"]))
        d_gradients = d_tape.gradient(d_scaled_loss, self._d_variables)
        g_gradients = g_tape.gradient(g_scaled_loss, self._g_variables)
        self._apply(self.d_optimizer, d_gradients, self._d_variables)
        self._apply(self.g_optimizer, g_gradients, self._g_variables)
        return logs

    def _step_noise(self, batch_size):
        """Fresh noise for one update from the model's seed stream, different on every replica.

        Under tf.distribute each replica advances its copy of the (mirrored) seed state in step with the
        others; folding in the replica's id gives each replica its own noise, reproducibly from the seed.
        On one device this is `sample_noise(batch_size, self.seed_generator)`.
        """
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return self.sample_noise(batch_size, self.seed_generator)
        seed = tf.random.experimental.stateless_fold_in(
            _int32_seed(self.seed_generator.next()), context.replica_id_in_sync_group
        )
        return self.sample_noise(batch_size, seed)

    @property
    def _d_variables(self):
        return self.discriminator.trainable_variables

    @property
    def _g_variables(self):
        return self.generator.trainable_variables

    @staticmethod
    def _apply(optimizer, gradients, variables):
        optimizer.apply_gradients(zip(gradients, variables))

    def _record(self, values):
        for key, value in values.items():
            self.trackers[key].update_state(value)

    def _results(self):
        return {key: tracker.result() for key, tracker in self.trackers.items()}


def sample_noise(batch_size, latent_dim: int, noise: str = "normal", seed=None):
    """[batch_size, latent_dim] draws from the prior p(z): standard normal, or uniform on [-1, 1].

    Args:
        batch_size: number of noise vectors.
        latent_dim: size of each.
        noise: "normal" or "uniform".
        seed: a keras.random seed (int, SeedGenerator or None) or a [2] int32 tensor for TensorFlow's
            stateless random ops.
    """
    shape = (batch_size, latent_dim)
    if tf.is_tensor(seed):
        if noise == "uniform":
            return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)
        return tf.random.stateless_normal(shape, seed)
    if noise == "uniform":
        return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def generate(
    generator: keras.Model, n: int, noise: str = "normal", seed=None, batch_size: int = 1024
) -> np.ndarray:
    """n examples G(z) from a generator, z ~ p(z) (an integer seed gives the same examples every time)."""
    z = sample_noise(n, generator.input_shape[-1], noise, seed)
    return generator.predict(z, batch_size=batch_size, verbose=0)


def load_generator(path: str, noise: str = "normal"):
    """Loads (generator, noise) from a saved generator.keras, or from a gan.keras (which knows its noise).

    Args:
        path: a .keras file written by `GAN.save` or by `generator.save`.
        noise: the prior a bare generator was trained with.
    """
    model = keras.models.load_model(path, compile=False)
    if isinstance(model, GAN):
        return model.generator, model.noise
    return model, noise


def _example_scores(real_logits, fake_logits):
    """Per-example D(x), D(G(z)) and whether D tells each apart (threshold 1/2): their means are logged."""
    real_logits = tf.reshape(tf.cast(real_logits, tf.float32), [-1])
    fake_logits = tf.reshape(tf.cast(fake_logits, tf.float32), [-1])
    correct = tf.concat([real_logits > 0, fake_logits < 0], axis=0)
    return {
        "d_real": tf.sigmoid(real_logits),
        "d_fake": tf.sigmoid(fake_logits),
        "d_accuracy": tf.cast(correct, tf.float32),
    }


def _global_means(per_example):
    """Means of float32 per-example values over the global batch, and how many examples each has.

    Under tf.distribute every replica holds a shard of the batch: one all-reduce of the shards' sums and
    counts gives every replica the means one device computes on the whole batch (uneven shards included).

    Returns:
        ({name: mean}, {name: global count}), both float32 scalars.
    """
    names = list(per_example)
    sums = tf.stack([tf.reduce_sum(per_example[name]) for name in names])
    counts = tf.stack([tf.cast(tf.size(per_example[name]), tf.float32) for name in names])
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        sums, counts = context.all_reduce(tf.distribute.ReduceOp.SUM, [sums, counts])
    return dict(zip(names, tf.unstack(sums / counts))), dict(zip(names, tf.unstack(counts)))


def _share(per_example_loss, global_count):
    """This replica's share of the mean loss over the global batch: its sum / the global count.

    The optimizers sum the replicas' gradients, so the update follows the gradient of the global mean
    (what `tf.nn.compute_average_loss` does, exact for uneven shards too); on one device, the mean.
    """
    return tf.reduce_sum(per_example_loss) / global_count


def _int32_seed(seed):
    """A SeedGenerator draw as the int32 seed keras.random uses for TensorFlow's stateless ops."""
    return tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)


def _is_replicated(strategy):
    """Whether a strategy runs the step on several replicas (one device runs Keras's own loop)."""
    return strategy.num_replicas_in_sync > 1


def _is_tpu(strategy):
    return isinstance(strategy, tf.distribute.TPUStrategy)


def _per_replica_xla(step):
    """`step` compiled with XLA, one function per replica, for `strategy.run` on GPU replicas.

    TensorFlow lets replicas synchronise inside XLA only when the function given to `strategy.run` is
    compiled and every replica is a GPU. Each replica gets its own `tf.function`: one traced function
    would keep the first replica's Keras variables for all of them.
    """
    functions = {}

    @tf.autograph.experimental.do_not_convert
    def replica_step(data):
        replica = tf.get_static_value(tf.distribute.get_replica_context().replica_id_in_sync_group)
        if replica not in functions:
            functions[replica] = tf.function(step, jit_compile=True, reduce_retracing=True)
        return functions[replica](data)

    return replica_step


def _real_examples(data):
    """The real examples of a batch: x from x, (x,), (x, y) or (x, y, sample_weight)."""
    return data[0] if isinstance(data, (tuple, list)) else data


def _split(real, d_steps):
    """Splits a batch into d_steps equal minibatches, one per discriminator update."""
    if d_steps == 1:
        return [real]
    batch_size = real.shape[0]
    if batch_size is not None and batch_size % d_steps:
        raise ValueError(
            f"A batch of {batch_size} examples cannot be split into d_steps={d_steps} equal minibatches: "
            f"batch the data at d_steps * minibatch size."
        )
    return tf.split(real, d_steps, axis=0)


def _check_networks(generator, discriminator, latent_dim):
    """Raises ValueError unless z(latent_dim) -> G -> D -> one logit fits together."""
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
    g_input = tuple(generator.input_shape[1:])
    if g_input != (latent_dim,):
        raise ValueError(
            f"The generator's input shape {g_input} is not (latent_dim,) = ({latent_dim},): build the "
            f"generator for latent_dim={latent_dim} or pass latent_dim={g_input[-1]}."
        )
    g_output = tuple(generator.output_shape[1:])
    d_input = tuple(discriminator.input_shape[1:])
    if g_output != d_input:
        raise ValueError(
            f"The generator's output shape {g_output} differs from the discriminator's input shape "
            f"{d_input}: build both networks for the same example shape."
        )
    d_output = tuple(discriminator.output_shape[1:])
    if d_output not in ((), (1,)):
        raise ValueError(
            f"The discriminator must output one logit per example, but its output shape is {d_output}."
        )


def _check_created_in_scope(strategy, variables, what):
    """Raises ValueError unless all variables were created under `strategy` (tf.distribute's default
    strategy when no scope is entered), so that none is left on one device while the step is replicated.
    """
    outside = [
        v.path for v in variables if not strategy.extended.variable_created_in_scope(v.value)
    ]
    if outside:
        raise ValueError(
            f"{what} has variables ({outside[0]}, ...) not created under the "
            f"{type(strategy).__name__.lstrip('_')} in use: create the networks, the GAN and its "
            f"optimizers inside one `with strategy.scope():`, or all outside any."
        )


def _check_jit_compile(strategy, jit_compile):
    """Raises ValueError for jit_compile=True on several non-GPU replicas, which TensorFlow can't run."""
    if not jit_compile or not _is_replicated(strategy) or _is_tpu(strategy):
        return
    devices = strategy.extended.worker_devices
    if not all(tf.DeviceSpec.from_string(d).device_type == "GPU" for d in devices):
        raise ValueError(
            f"jit_compile=True under {type(strategy).__name__} needs every replica on a GPU "
            f"(TensorFlow compiles a replicated step with XLA only there); the replicas here are on "
            f"{', '.join(devices)}. Use jit_compile='auto' or False."
        )


def _optimizer(optimizer):
    if optimizer is None:
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
    return keras.optimizers.get(optimizer)


def _loss_scaled(optimizer):
    """Wraps an optimizer in dynamic loss scaling (mixed_float16), unless it already is."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
