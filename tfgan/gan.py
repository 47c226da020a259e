"""GAN: the two-player game of Goodfellow et al. 2014 as a keras.Model trained with `fit`."""

import os
from typing import Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan import augment as augment_lib
from tfgan import distribute, ema, losses
from tfgan import regularizers as regularizers_lib

UPDATES = ("alternating", "simultaneous")
NOISES = ("normal", "uniform")
_IGNORED_BY_A_GAN = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")


@keras.saving.register_keras_serializable(package="tfgan")
class GAN(keras.Model):
    """A generator G(z) and a discriminator D(x) trained against each other with `fit`.

    With `update="alternating"` (Algorithm 1 of the paper) a train step makes `d_steps` discriminator
    updates, each on its own real minibatch and fresh noise, then one generator update on fresh noise:
    each batch therefore holds `d_steps` minibatches and is split evenly between the D updates.
    With `update="simultaneous"` one forward pass on one batch gives both players' gradients, as in the
    paper's released code and the TensorFlow DCGAN tutorial: cheaper by one generator pass per step.

    Each D update minimises `loss`'s discriminator loss plus the regularizers' penalties; each G update
    minimises its generator loss. A batch is `x`, `(x,)` or `(x, y)`: with `num_classes` set, y holds
    the examples' integer labels, and both networks take `[inputs, labels]` (G(z, y), D(x, y));
    without it, labels in the data are ignored.

    With `generator_ema`, `averaged_generator` holds an exponential moving average of G's weights,
    updated after every G update (`tfgan.ema`); `generate`, `call` and the callbacks sample from it
    (`sampling_generator`), while `generator` stays the trained network. With `augment`, D sees
    augmented real and generated images in training, in both players' updates and in the
    regularizers' critic (`tfgan.augment`).

    Logs (epoch means, shown by the progress bar, History and TensorBoard): `d_loss` and `g_loss`, the
    loss's diagnostics (`d_real`, `d_fake`, `d_accuracy` for the logistic losses), each regularizer's
    weighted penalty under its name, and `loss` = d_loss + g_loss (the sum Keras's own tools read, e.g.
    `keras.callbacks.TerminateOnNaN`). `evaluate` logs the same with both networks in inference mode,
    on noise of its own seed stream.

    Keras's callbacks that act on `model.optimizer` act on both players: it is a
    `keras.optimizers.MultiOptimizer` over `g_optimizer` and `d_optimizer`.

    Under `tf.distribute` (create the networks, the GAN and its optimizers in `strategy.scope()`) each
    batch is the global batch: every replica takes its shard (split into `d_steps` minibatches) and its
    own noise, gradients are those of the mean over the global batch, and the logs are global-batch
    means, as one device computes them (`tfgan.distribute`).

    Args:
        generator: maps [batch, latent_dim] noise (and labels) to examples.
        discriminator: maps examples (and labels) to one logit per example.
        latent_dim: size of the noise vector z.
        loss: a name in `tfgan.losses.LOSSES`, a `tfgan.losses.GANLoss`, or a (generator_loss,
            discriminator_loss) pair of functions of logits.
        d_steps: discriminator updates per generator update (the paper's k).
        update: "alternating" or "simultaneous" (only with d_steps=1).
        noise: prior p(z): "normal" (standard normal) or "uniform" (on [-1, 1]).
        regularizers: `tfgan.regularizers.Regularizer`s whose penalties D's loss adds.
        num_classes: for a conditional GAN, the number of classes of the labels; None: unconditional.
        generator_ema: None (no average), True (`tfgan.ema.GeneratorEMA()`'s schedule), a constant
            decay in [0, 1), or a `tfgan.ema.GeneratorEMA`.
        augment: None, "diff" (`tfgan.augment.DiffAugment()`), "adaptive"
            (`tfgan.augment.AdaptiveAugment()`) or a `tfgan.augment.Augment`; images only.
        seed: seeds all randomness in the step; the same seed gives the same run.

    Raises:
        ValueError: the networks do not fit each other or latent_dim, or an argument is invalid.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int,
        loss: Union[str, losses.GANLoss, tuple] = "non_saturating",
        d_steps: int = 1,
        update: str = "alternating",
        noise: str = "normal",
        regularizers: Sequence[regularizers_lib.Regularizer] = (),
        num_classes: Optional[int] = None,
        generator_ema: Union[None, bool, float, ema.GeneratorEMA] = None,
        augment: Union[None, str, augment_lib.Augment] = None,
        seed: Optional[int] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_positive_int("latent_dim", latent_dim)
        _check_positive_int("d_steps", d_steps)
        if num_classes is not None:
            _check_positive_int("num_classes", num_classes)
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}.")
        if update == "simultaneous" and d_steps != 1:
            raise ValueError(
                f"update='simultaneous' makes one D and one G update per step: it needs d_steps=1, "
                f"got d_steps={d_steps}. Use update='alternating' for d_steps > 1."
            )
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {noise!r}.")
        fake = _check_networks(generator, discriminator, latent_dim, num_classes)
        augment = augment_lib.get(augment)
        if augment is not None and len(fake.shape) != 4:
            raise ValueError(
                f"augment= transforms images [batch, height, width, channels], but the generator "
                f"makes shape {tuple(fake.shape)}: use augmentation with image GANs only."
            )
        distribute.check_created_in_scope(
            tf.distribute.get_strategy(),
            generator.variables + discriminator.variables,
            "The generator or discriminator",
        )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.gan_loss = losses.get(loss)
        self.d_steps = d_steps
        self.update = update
        self.noise = noise
        self.regularizers = _check_regularizers(regularizers)
        self.num_classes = num_classes
        self.generator_ema = ema.get(generator_ema)
        self.averaged_generator = None
        if self.generator_ema is not None:
            self.averaged_generator = ema.averaged_copy(generator)
        self.augment = augment
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.evaluation_seed_generator = keras.random.SeedGenerator(
            seed, name="evaluation_seed_generator"
        )
        self._evaluation_seed_start = self.evaluation_seed_generator.state.numpy()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self._log_keys()}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def sampling_generator(self) -> keras.Model:
        """What the GAN's samples come from: `averaged_generator` if any, else `generator`."""
        return self.averaged_generator or self.generator

    def call(self, z, labels=None, training=False):
        """Runs the sampling generator: G(z), or G(z, y) for a conditional GAN."""
        return self.sampling_generator(_network_inputs(z, labels), training=training)

    def sample_noise(self, batch_size, seed):
        """[batch_size, latent_dim] draws from p(z); seed as for the module's `sample_noise`."""
        return sample_noise(batch_size, self.latent_dim, self.noise, seed)

    def generate(
        self, n: int, labels=None, seed: Optional[int] = None, batch_size: int = 1024
    ) -> np.ndarray:
        """Returns n examples of the sampling generator as a NumPy array (inference mode).

        Args:
            n: number of examples.
            labels: for a conditional GAN, n integer labels, or None for an equal number of each
                class (in order 0, 1, ..., num_classes - 1, 0, 1, ...).
            seed: an integer gives the same examples every time; None draws fresh noise.
            batch_size: examples per generator call, to bound memory.

        Raises:
            ValueError: labels for an unconditional GAN, not n of them, or outside [0, num_classes).
        """
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("labels= needs a conditional GAN (GAN(..., num_classes=K)).")
        elif labels is None:
            labels = balanced_labels(n, self.num_classes)
        else:
            labels = check_labels(labels, self.num_classes)
            if len(labels) != n:
                raise ValueError(f"generate({n}) needs {n} labels, got {len(labels)}.")
        return generate(
            self.sampling_generator,
            n,
            self.noise,
            seed,
            batch_size,
            labels,
            latent_dim=self.latent_dim,
        )

    # Compilation and (de)serialisation.

    def compile(
        self,
        *,
        g_optimizer: Union[str, keras.optimizers.Optimizer, None] = None,
        d_optimizer: Union[str, keras.optimizers.Optimizer, None] = None,
        jit_compile: Union[str, bool] = "auto",
        steps_per_execution: int = 1,
        run_eagerly: bool = False,
        auto_scale_loss: bool = True,
        **ignored,
    ):
        """Configures both players' optimizers and how the step is compiled (keyword arguments only).

        Args:
            g_optimizer: the generator's optimizer (default: Adam(2e-4, beta_1=0.5), as in DCGAN).
            d_optimizer: the discriminator's optimizer (same default); must be a different instance.
            jit_compile: "auto" follows Keras: XLA on GPU/TPU and not on CPU, and not under a
                tf.distribute strategy; True/False force it. Under a strategy, True compiles each
                replica's step (every replica must be a GPU; a TPU compiles everything anyway).
            steps_per_execution: train steps run per `tf.function` call.
            run_eagerly: as Keras's: run the step eagerly, for debugging.
            auto_scale_loss: as Keras's: under the mixed_float16 policy, wrap both optimizers in
                dynamic loss scaling (`keras.optimizers.LossScaleOptimizer`).

        Under a tf.distribute strategy, the optimizers are created and built in the GAN's strategy
        scope; optimizer instances passed in must have been created in it too.

        Raises:
            ValueError: an argument Keras's compile takes but a GAN would ignore (optimizer=, loss=,
                metrics=, ...), one optimizer for both players, variables from another strategy's
                scope, or jit_compile=True on several non-GPU replicas.
        """
        if ignored:
            names = ", ".join(f"{name}=" for name in ignored)
            known = set(ignored) <= set(_IGNORED_BY_A_GAN)
            raise ValueError(
                f"GAN.compile got {names}, which "
                f"{'a GAN would ignore' if known else 'it does not take'}: give each player its "
                "optimizer with g_optimizer= and d_optimizer=; the losses come from GAN(loss=...) "
                "and the logs from the loss and the regularizers."
            )
        strategy = self.distribute_strategy
        distribute.check_created_in_scope(strategy, self.variables, "The GAN")
        with strategy.scope():
            g_optimizer = _optimizer(g_optimizer, "generator_adam")
            d_optimizer = _optimizer(d_optimizer, "discriminator_adam")
            if g_optimizer is d_optimizer:
                raise ValueError(
                    "g_optimizer and d_optimizer must be two optimizer instances, not one."
                )
            for name, optimizer in (("g_optimizer", g_optimizer), ("d_optimizer", d_optimizer)):
                distribute.check_created_in_scope(strategy, optimizer.variables, name)
            super().compile(
                optimizer=None,
                jit_compile=jit_compile,
                steps_per_execution=steps_per_execution,
                run_eagerly=run_eagerly,
            )
            distribute.check_jit_compile(strategy, self.jit_compile)
            if auto_scale_loss and self.dtype_policy.name == "mixed_float16":
                g_optimizer = _loss_scaled(g_optimizer)
                d_optimizer = _loss_scaled(d_optimizer)
            self.g_optimizer = g_optimizer
            self.d_optimizer = d_optimizer
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.optimizer = _PlayerOptimizers(self)
        self._gan_compile_args = dict(
            g_optimizer=g_optimizer,
            d_optimizer=d_optimizer,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            run_eagerly=run_eagerly,
            auto_scale_loss=auto_scale_loss,
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
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            loss=keras.saving.serialize_keras_object(self.gan_loss),
            d_steps=self.d_steps,
            update=self.update,
            noise=self.noise,
            regularizers=[keras.saving.serialize_keras_object(r) for r in self.regularizers],
            num_classes=self.num_classes,
            generator_ema=keras.saving.serialize_keras_object(self.generator_ema),
            augment=keras.saving.serialize_keras_object(self.augment),
            seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config["loss"], list):  # a (generator_loss, discriminator_loss) pair
            config["loss"] = tuple(map(keras.saving.deserialize_keras_object, config["loss"]))
        config["regularizers"] = [
            keras.saving.deserialize_keras_object(r) for r in config.get("regularizers", ())
        ]
        for key in ("generator_ema", "augment"):
            config[key] = keras.saving.deserialize_keras_object(config.get(key))
        return cls(**config)

    def save_own_variables(self, store):
        """Saves the states of the seed generators too (the GAN's and those of the networks' layers,
        such as dropout), so that a reloaded model continues the same random streams: Keras saves a
        layer's own variables only."""
        super().save_own_variables(store)
        for key, state in self._seed_states().items():
            store[key] = state

    def load_own_variables(self, store):
        seed_states = self._seed_states()
        missing = [key for key in seed_states if key not in store.keys()]
        if missing and missing != [key for key in seed_states if key.startswith("network_")]:
            raise ValueError(f"The saved GAN has no {missing[0]}: it was saved from another model.")
        for key, state in seed_states.items():
            if key in store.keys():  # files saved before networks' seed states were saved lack them
                state.assign(store[key])
        super().load_own_variables(
            {key: store[key] for key in store.keys() if key not in seed_states}
        )

    # Running steps.

    def make_train_function(self, force=False):
        if not distribute.is_replicated(self.distribute_strategy):
            return super().make_train_function(force)
        if self.train_function is None or force:
            self.train_function = distribute.replicated_step_function(self, self.train_step)
        return self.train_function

    def make_test_function(self, force=False):
        if not distribute.is_replicated(self.distribute_strategy):
            return super().make_test_function(force)
        if self.test_function is None or force:
            self.test_function = distribute.replicated_step_function(self, self.test_step)
        return self.test_function

    def evaluate(self, *args, **kwargs):
        """Keras's `evaluate`, on noise from the GAN's evaluation seed stream, restarted every call.

        Training's noise stream is left alone (evaluating between epochs changes no training run),
        and every call scores the same noise, so figures of different calls compare the networks.
        """
        self.evaluation_seed_generator.state.assign(self._evaluation_seed_start)
        return super().evaluate(*args, **kwargs)

    # The game.

    def train_step(self, data):
        real, labels = self._unpack(data)
        if self.update == "simultaneous":
            d_logs, g_logs = self._simultaneous_update(real, labels)
            return self._log([d_logs], g_logs)
        minibatches = _split(real, labels, self.d_steps)
        d_logs = [self._discriminator_update(*minibatch) for minibatch in minibatches]
        return self._log(d_logs, self._generator_update(*minibatches[-1]))

    def test_step(self, data):
        real, labels = self._unpack(data)
        z = self._noise(tf.shape(real)[0], training=False)
        fake = self._generate(z, labels, training=False)
        _, d_logs, real_logits, fake_logits = self._discriminator_objective(
            real, fake, labels, training=False
        )
        if not self.gan_loss.generator_needs_real_logits:
            real_logits = None
        _, g_logs = self._generator_objective(fake_logits, real_logits, labels)
        return self._log([d_logs], g_logs)

    def _discriminator_update(self, real, labels):
        """One update of D with G fixed, on a real minibatch and fresh noise."""
        fake = self._generate(self._noise(tf.shape(real)[0]), labels, training=True)
        with tf.GradientTape() as tape:
            objective, logs, _, _ = self._discriminator_objective(real, fake, labels)
            scaled = self.d_optimizer.scale_loss(objective)
        _apply(self.d_optimizer, tape.gradient(scaled, self._d_variables), self._d_variables)
        return logs

    def _generator_update(self, real, labels):
        """One update of G with D fixed, on fresh noise (and D(x) of `real` if the loss needs it)."""
        z = self._noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            fake_logits = self._discriminate(self._generate(z, labels, True), labels, True)
            real_logits = None
            if self.gan_loss.generator_needs_real_logits:
                real_logits = self._discriminate(real, labels, True)
            objective, logs = self._generator_objective(fake_logits, real_logits, labels)
            scaled = self.g_optimizer.scale_loss(objective)
        self._apply_generator_update(tape.gradient(scaled, self._g_variables), z)
        return logs

    def _simultaneous_update(self, real, labels):
        """Both players' gradients from one forward pass, applied together."""
        z = self._noise(tf.shape(real)[0])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self._generate(z, labels, training=True)
            d_objective, d_logs, real_logits, fake_logits = self._discriminator_objective(
                real, fake, labels
            )
            if not self.gan_loss.generator_needs_real_logits:
                real_logits = None
            g_objective, g_logs = self._generator_objective(fake_logits, real_logits, labels)
            d_scaled = self.d_optimizer.scale_loss(d_objective)
            g_scaled = self.g_optimizer.scale_loss(g_objective)
        d_gradients = d_tape.gradient(d_scaled, self._d_variables)
        g_gradients = g_tape.gradient(g_scaled, self._g_variables)
        _apply(self.d_optimizer, d_gradients, self._d_variables)
        self._apply_generator_update(g_gradients, z)
        return d_logs, g_logs

    def _apply_generator_update(self, gradients, z):
        """Applies G's gradients, then moves the averaged generator towards G (if any)."""
        if self.averaged_generator is None:
            _apply(self.g_optimizer, gradients, self._g_variables)
            return
        batch_images = tf.cast(
            tf.shape(z)[0] * tf.distribute.get_strategy().num_replicas_in_sync, tf.float32
        )
        images_seen = tf.cast(self.g_optimizer.iterations, tf.float32) * batch_images
        _apply(self.g_optimizer, gradients, self._g_variables)
        beta = self.generator_ema.beta(images_seen, batch_images)
        ema.update(ema.averaged_pairs(self.generator, self.averaged_generator), beta)

    def _discriminator_objective(self, real, fake, labels, training=True):
        """D's loss, penalties and diagnostics on one minibatch: what every D update and test_step use.

        Returns:
            (objective: this replica's share of D's global-batch loss with the penalties,
             logs: {log key: (global-batch mean, weight of this value in the epoch mean)},
             real_logits, fake_logits).
        """
        real_logits = self._discriminate(real, labels, training)
        fake_logits = self._discriminate(fake, labels, training)
        d_loss = self.gan_loss.discriminator_loss(real_logits, fake_logits, labels=labels)
        _check_per_example(d_loss, real, "The loss's discriminator_loss")
        augment_logs = {}
        if training and self.augment is not None:
            augment_logs = {k: (v, 1.0) for k, v in self.augment.observe(real_logits).items()}
        per_example = {
            "d_loss": d_loss,
            **self.gan_loss.diagnostics(real_logits, fake_logits, labels=labels),
        }
        computed = {}
        for regularizer in self.regularizers:
            per_example[regularizer.name], computed[regularizer.name] = self._penalty(
                regularizer, real, fake, labels, training
            )
        means, counts = distribute.global_means(per_example)
        objective = distribute.share(d_loss, counts["d_loss"])
        for regularizer in self.regularizers:
            # A lazy penalty weighs `every` times as much on the updates that compute it.
            penalty = distribute.share(per_example[regularizer.name], counts[regularizer.name])
            objective += regularizer.every * penalty
        logs = {name: (mean, computed.get(name, 1.0)) for name, mean in means.items()}
        return objective, {**logs, **augment_logs}, real_logits, fake_logits

    def _penalty(self, regularizer, real, fake, labels, training):
        """(weight * the regularizer's per-example penalty, 1.0 if computed in this update else 0.0).

        In training a regularizer with every=N is computed on every N-th D update only, counted by
        D's optimizer, and is zero in the others; test_step computes it every time.
        """
        seed = distribute.replica_seed(self._seed_generator(training))

        critic = regularizers_lib.Critic(
            lambda x: self._discriminate(x, labels, training), self.d_optimizer.scale_loss
        )

        def weighted_penalty():
            penalty = regularizer.penalty(critic, real, fake, seed)
            _check_per_example(penalty, real, f"The penalty of regularizer {regularizer.name!r}")
            return regularizer.weight * tf.cast(penalty, tf.float32)

        if not training or regularizer.every == 1:
            return weighted_penalty(), 1.0

        def skipped():
            return tf.zeros(tf.shape(real)[:1], tf.float32)

        due = tf.equal(self.d_optimizer.iterations % regularizer.every, 0)
        return tf.cond(due, weighted_penalty, skipped), tf.cast(due, tf.float32)

    def _generator_objective(self, fake_logits, real_logits, labels):
        """(this replica's share of G's global-batch loss, logs): what every G update and test_step use."""
        g_loss = self.gan_loss.generator_loss(fake_logits, real_logits, labels=labels)
        _check_per_example(g_loss, fake_logits, "The loss's generator_loss")
        means, counts = distribute.global_means({"g_loss": g_loss})
        return distribute.share(g_loss, counts["g_loss"]), {"g_loss": (means["g_loss"], 1.0)}

    def _log(self, d_logs, g_logs):
        """Records each D update's and the G update's logs, and loss = d_loss + g_loss of the step."""
        for logs in d_logs + [g_logs]:
            for name, (value, weight) in logs.items():
                self.trackers[name].update_state(value, sample_weight=weight)
        d_loss = tf.add_n([logs["d_loss"][0] for logs in d_logs]) / len(d_logs)
        self.trackers["loss"].update_state(d_loss + g_logs["g_loss"][0])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def _log_keys(self):
        """Every key the step logs: the losses, the loss's diagnostics and the regularizers."""
        logits = tf.zeros((2, 1))
        labels = None if self.num_classes is None else tf.zeros((2,), tf.int32)
        diagnostics = list(self.gan_loss.diagnostics(logits, logits, labels=labels))
        augment_keys = self.augment.log_keys if self.augment is not None else ()
        keys = [
            "loss",
            "d_loss",
            "g_loss",
            *diagnostics,
            *(r.name for r in self.regularizers),
            *augment_keys,
        ]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(
                f"Two logs would be named {repeated[0]!r} (the losses, the loss's diagnostics and the "
                "regularizers' names must differ): give the regularizer another name=."
            )
        return keys

    def _unpack(self, data):
        """(real examples, labels or None) of a batch x, (x,), (x, y) or (x, y, sample_weight)."""
        real, labels, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError("A GAN does not use sample weights: give batches of x or (x, labels).")
        if self.num_classes is None:
            return real, None
        if labels is None:
            raise ValueError(
                f"GAN(num_classes={self.num_classes}) trains on (examples, labels) batches, but the "
                "data have no labels: yield (x, y), e.g. tfgan.data.mnist(..., with_labels=True)."
            )
        if labels.dtype.is_floating:
            raise ValueError(
                f"GAN(num_classes={self.num_classes}) takes integer labels, got {labels.dtype.name} "
                "ones: give class indices in [0, num_classes)."
            )
        labels = tf.cast(labels, tf.int32)
        if self.jit_compile:  # XLA compiles no checks: labels out of range pass unseen.
            return real, labels
        # An embedding on a GPU reads past its table silently: check in the step.
        in_range = tf.logical_and(
            tf.reduce_all(labels >= 0), tf.reduce_all(labels < self.num_classes)
        )
        check = tf.debugging.Assert(
            in_range,
            [
                f"GAN(num_classes={self.num_classes}): a label is outside [0, {self.num_classes}); "
                "labels are class indices. Labels:",
                labels,
            ],
            summarize=16,
        )
        with tf.control_dependencies([check]):
            labels = tf.identity(labels)
        return real, labels

    def _generate(self, z, labels, training):
        return self.generator(_network_inputs(z, labels), training=training)

    def _discriminate(self, x, labels, training):
        """D's logits; in training, of augmented examples when the GAN augments."""
        if training and self.augment is not None:
            x = self.augment(x, distribute.replica_seed(self.seed_generator))
        return self.discriminator(_network_inputs(x, labels), training=training)

    def _seed_states(self):
        """{store key: state variable} of the GAN's training seed generator and the networks' ones."""
        layers = self.generator._flatten_layers() + self.discriminator._flatten_layers()
        networks = [g.state for layer in layers for g in getattr(layer, "_seed_generators", ())]
        return {
            "seed_generator_state": self.seed_generator.state,
            **{f"network_seed_state_{i}": state for i, state in enumerate(networks)},
        }

    def _seed_generator(self, training):
        return self.seed_generator if training else self.evaluation_seed_generator

    def _noise(self, batch_size, training=True):
        """Fresh noise for one update from the model's seed stream (evaluation's in test_step)."""
        return self.sample_noise(
            batch_size, distribute.replica_seed(self._seed_generator(training))
        )

    @property
    def _d_variables(self):
        return self.discriminator.trainable_variables

    @property
    def _g_variables(self):
        return self.generator.trainable_variables


class _PlayerOptimizers(keras.optimizers.MultiOptimizer):
    """Keras's MultiOptimizer over G's and D's optimizers, as the GAN's `model.optimizer`.

    Keras's callbacks that act on `model.optimizer` reach each optimizer in `optimizers`
    (LearningRateScheduler, ReduceLROnPlateau, SwapEMAWeights), and `fit` finalizes it at the end (an
    optimizer's EMA weights go into its network), so both players get what the one optimizer of a plain
    Keras model gets. The step applies each player's gradients with that player's optimizer, which holds
    and saves the state: this one saves nothing, and counts train steps as G's optimizer does.
    """

    def __init__(self, gan):
        players = [_unscaled(gan.g_optimizer), _unscaled(gan.d_optimizer)]
        generator_variables = {id(v) for v in gan.generator.trainable_variables}
        scale_factors = [player.loss_scale_factor for player in players]
        super().__init__(
            lambda v: players[0] if id(v) in generator_variables else players[1],
            name="gan_optimizers",
        )
        self.build(gan.trainable_variables)
        for player, factor in zip(players, scale_factors):  # build() resets them to its own
            player.loss_scale_factor = factor

    @property
    def iterations(self):
        return self.optimizers[0].iterations

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass


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
    generator: keras.Model,
    n: int,
    noise: str = "normal",
    seed=None,
    batch_size: int = 1024,
    labels=None,
    latent_dim: Optional[int] = None,
) -> np.ndarray:
    """n examples G(z) (or G(z, labels)) from a generator, z ~ p(z), as NumPy.

    Args:
        generator: a generator network.
        n: number of examples.
        noise: the prior it was trained with, "normal" or "uniform".
        seed: an integer gives the same examples every time.
        batch_size: examples per generator call.
        labels: n integer labels for a conditional generator.
        latent_dim: size of z (default: read off a Functional generator's input).
    """
    if latent_dim is None:
        latent_dim = _noise_input_shape(generator)[-1]
    z = sample_noise(n, latent_dim, noise, seed)
    inputs = z if labels is None else [z, np.asarray(labels, np.int32)]
    return generator.predict(inputs, batch_size=batch_size, verbose=0)


def balanced_labels(n: int, num_classes: int) -> np.ndarray:
    """n labels with an equal number of each class: 0, 1, ..., num_classes - 1, 0, 1, ..."""
    return np.arange(n, dtype=np.int32) % num_classes


def check_labels(labels, num_classes: int) -> np.ndarray:
    """labels as an int32 array, or ValueError naming the first one outside [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(
            f"labels must be a 1-D array of integer class indices, got {labels.dtype} of shape "
            f"{labels.shape}."
        )
    outside = labels[(labels < 0) | (labels >= num_classes)]
    if outside.size:
        raise ValueError(
            f"label {outside[0]} is outside [0, {num_classes}): labels are class indices of a "
            f"{num_classes}-class GAN."
        )
    return labels.astype(np.int32)


def generator_num_classes(generator: keras.Model) -> Optional[int]:
    """K of a conditional generator built by tfgan.networks (its label embedding's rows), or None
    for an unconditional one (one input)."""
    if len(getattr(generator, "inputs", None) or []) < 2:
        return None
    embeddings = [
        layer for layer in generator._flatten_layers() if isinstance(layer, keras.layers.Embedding)
    ]
    if not embeddings:
        raise ValueError(
            f"{generator.name!r} takes labels but has no label embedding to tell its number of "
            "classes: save the GAN (gan.keras), which records it."
        )
    return embeddings[0].input_dim


def load_generator(path: str, noise: str = "normal"):
    """Loads (generator, noise) from a saved generator.keras, or from a gan.keras (which knows its noise).

    Args:
        path: a .keras file written by `GAN.save` or by `generator.save`.
        noise: the prior a bare generator was trained with.

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: the file is not a Keras model, or the model is not a generator (an input of noise
            vectors, [batch, latent_dim], and for a conditional one a second of labels, [batch]).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"no generator file {path!r}: give a saved generator.keras or gan.keras."
        )
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises several types for files it can't read
        reason = " ".join(str(error).split())[:200]
        raise ValueError(
            f"{path} is not a Keras model file that loads ({type(error).__name__}: {reason}): give a "
            "generator.keras or gan.keras written by tfgan."
        ) from error
    if isinstance(model, GAN):
        model, noise = model.sampling_generator, model.noise
    inputs = getattr(model, "inputs", None) or []
    shapes = [tuple(tensor.shape) for tensor in inputs]
    noise_then_labels = len(shapes) == 2 and len(shapes[0]) == 2 and len(shapes[1]) == 1
    if not (len(shapes) == 1 and len(shapes[0]) == 2) and not noise_then_labels:
        described = ", ".join(str(shape) for shape in shapes) or "unknown"
        raise ValueError(
            f"{path} holds a model whose inputs ({described}) are not noise vectors "
            "[batch, latent_dim] (and labels [batch]): give a generator.keras or gan.keras."
        )
    return model, noise


def _noise_input_shape(generator):
    inputs = getattr(generator, "inputs", None)
    if not inputs:
        raise ValueError(
            f"Can't tell the latent size of {generator.name!r} (not a Functional model): "
            "pass latent_dim=."
        )
    return tuple(inputs[0].shape)


def _network_inputs(inputs, labels):
    """What a network is called on: its inputs, or [inputs, labels] for a conditional GAN."""
    return inputs if labels is None else [inputs, labels]


def _apply(optimizer, gradients, variables):
    optimizer.apply_gradients(zip(gradients, variables))


def _split(real, labels, d_steps):
    """Splits a batch (and its labels) into d_steps equal minibatches, one per discriminator update."""
    if d_steps == 1:
        return [(real, labels)]
    batch_size = real.shape[0]
    if batch_size is not None and batch_size % d_steps:
        raise ValueError(
            f"A batch of {batch_size} examples cannot be split into d_steps={d_steps} equal minibatches: "
            f"batch the data at d_steps * minibatch size."
        )
    reals = tf.split(real, d_steps, axis=0)
    labels = [None] * d_steps if labels is None else tf.split(labels, d_steps, axis=0)
    return list(zip(reals, labels))


def _check_per_example(values, batch, what):
    """Raises ValueError unless values hold one value per example of batch (checked at tracing)."""
    shape, batch_size = tuple(values.shape), batch.shape[0]
    if len(shape) != 1 or (None not in (shape[0], batch_size) and shape[0] != batch_size):
        raise ValueError(
            f"{what} must return one value per example, shape ({batch_size},), but returned shape "
            f"{shape}: return per-example values, not their mean."
        )


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_regularizers(regularizers):
    if isinstance(regularizers, regularizers_lib.Regularizer):
        regularizers = [regularizers]
    for regularizer in regularizers:
        if not isinstance(regularizer, regularizers_lib.Regularizer):
            raise ValueError(
                f"regularizers must be tfgan.regularizers.Regularizer instances, got {regularizer!r}."
            )
    return tuple(regularizers)


def _check_networks(generator, discriminator, latent_dim, num_classes):
    """Raises ValueError unless z(latent_dim) -> G -> D -> one logit fits together; returns G's
    symbolic output.

    Checks by calling both networks on symbolic inputs, which builds subclassed networks too.
    """
    labels = None if num_classes is None else keras.KerasTensor((None,), dtype="int32")
    with_labels = "" if labels is None else " and labels of shape (batch,)"
    z = keras.KerasTensor((None, latent_dim))
    try:
        fake = generator(_network_inputs(z, labels))
    except Exception as error:  # Keras raises several types for inputs a network can't take.
        raise ValueError(
            f"The generator can't take noise of shape (batch, {latent_dim}){with_labels}: "
            f"{_one_line(error)}. Build it for latent_dim={latent_dim} or pass the latent_dim it "
            "takes."
        ) from error
    if not isinstance(fake, keras.KerasTensor):
        raise ValueError(f"The generator must return one tensor of examples, got {fake!r}.")
    try:
        logits = discriminator(_network_inputs(fake, labels))
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


def _one_line(error):
    return " ".join(str(error).split()).rstrip(".")


def _optimizer(optimizer, default_name):
    if optimizer is None:
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, name=default_name)
    return keras.optimizers.get(optimizer)


def _loss_scaled(optimizer):
    """Wraps an optimizer in dynamic loss scaling (mixed_float16), unless it already is."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def _unscaled(optimizer):
    """The optimizer inside a LossScaleOptimizer (the one with the learning rate and EMA), or itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)
