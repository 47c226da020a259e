"""GAN: the two-player game of Goodfellow et al. 2014 as a keras.Model trained with `fit`."""

import contextlib
from typing import Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan import _checks, _optimizers, distribute, ema, losses, sampling
from tfgan import augment as augment_lib
from tfgan import regularizers as regularizers_lib

UPDATES = ("alternating", "simultaneous")
_IGNORED_BY_A_GAN = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")


@keras.saving.register_keras_serializable(package="tfgan")
class GAN(keras.Model):
    """A generator G(z) and a discriminator D(x) trained against each other with `fit`.

    With `update="alternating"` (Algorithm 1 of the paper) a train step makes `d_steps`
    discriminator updates, each on its own real minibatch and fresh noise, then one generator update
    on fresh noise: each batch therefore holds `d_steps` minibatches and is split evenly between the
    D updates. With `update="simultaneous"` one forward pass on one batch gives both players'
    gradients, as in the paper's released code and the TensorFlow DCGAN tutorial: cheaper by one
    generator pass per step.

    Each D update minimises `loss`'s discriminator loss plus the regularizers' penalties; each G
    update minimises its generator loss. A batch is `x`, `(x,)` or `(x, y)`: with `num_classes` set,
    y holds the examples' integer labels, and both networks take `[inputs, labels]`
    (G(z, y), D(x, y)); without it, labels in the data are ignored.

    With `generator_ema`, `averaged_generator` holds an exponential moving average of G's weights,
    updated after every G update (`tfgan.ema`); `generate`, `call` and the callbacks sample from it
    (`sampling_generator`), while `generator` stays the trained network. With `augment`, D sees
    augmented real and generated images in training, in both players' updates and in the
    regularizers' critic (`tfgan.augment`).

    Logs (epoch means, shown by the progress bar, History and TensorBoard): `d_loss` and `g_loss`,
    the loss's diagnostics (its `log_keys`: `d_real`, `d_fake`, `d_accuracy` for the logistic
    losses), each regularizer's weighted penalty under its name, the augmentation's `log_keys`, and
    `loss` = d_loss + g_loss (the sum Keras's own tools read, e.g.
    `keras.callbacks.TerminateOnNaN`). `evaluate` logs the same with both networks in inference
    mode, on noise of its own seed stream.

    Keras's callbacks that act on `model.optimizer` act on both players: it is a
    `keras.optimizers.MultiOptimizer` over `g_optimizer` and `d_optimizer`.

    Under `tf.distribute` (create the networks, the GAN and its optimizers in `strategy.scope()`)
    each batch is the global batch: every replica takes its shard (split into `d_steps` minibatches)
    and its own noise, gradients are those of the mean over the global batch, and the logs are
    global-batch means, as one device computes them (`tfgan.distribute`).

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
        num_classes: for a conditional GAN, the number of classes of the labels; None:
            unconditional.
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
        _checks.check_positive_int("latent_dim", latent_dim)
        _checks.check_positive_int("d_steps", d_steps)
        if num_classes is not None:
            _checks.check_positive_int("num_classes", num_classes)
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}.")
        if update == "simultaneous" and d_steps != 1:
            raise ValueError(
                f"update='simultaneous' makes one D and one G update per step: it needs d_steps=1, "
                f"got d_steps={d_steps}. Use update='alternating' for d_steps > 1."
            )
        if noise not in sampling.NOISES:
            raise ValueError(f"noise must be one of {sampling.NOISES}, got {noise!r}.")
        fake = _checks.check_networks(generator, discriminator, latent_dim, num_classes)
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
        self.regularizers = regularizers_lib.get(regularizers)
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
        log_keys = [
            "loss",
            "d_loss",
            "g_loss",
            *_checks.declared_log_keys(self.gan_loss),
            *(regularizer.name for regularizer in self.regularizers),
            *(_checks.declared_log_keys(augment) if augment is not None else ()),
        ]
        _checks.check_distinct(log_keys)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in log_keys}
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
        return self.sampling_generator(_checks.network_inputs(z, labels), training=training)

    def sample_noise(self, batch_size, seed):
        """[batch_size, latent_dim] draws from p(z); seed as for `tfgan.sampling.sample_noise`."""
        return sampling.sample_noise(batch_size, self.latent_dim, self.noise, seed)

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
            labels = sampling.balanced_labels(n, self.num_classes)
        else:
            labels = sampling.check_labels(labels, self.num_classes)
            if len(labels) != n:
                raise ValueError(f"generate({n}) needs {n} labels, got {len(labels)}.")
        return sampling.generate(
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
        """Sets both players' optimizers and how the step is compiled (keyword arguments only).

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
            g_optimizer = _optimizers.get(g_optimizer, "generator_adam")
            d_optimizer = _optimizers.get(d_optimizer, "discriminator_adam")
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
                g_optimizer = _optimizers.loss_scaled(g_optimizer)
                d_optimizer = _optimizers.loss_scaled(d_optimizer)
            self.g_optimizer = g_optimizer
            self.d_optimizer = d_optimizer
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.optimizer = _optimizers.PlayerOptimizers(
                g_optimizer,
                d_optimizer,
                self.generator.trainable_variables,
                self.trainable_variables,
            )
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
        real, labels = _checks.unpack(data, self.num_classes, check_range=not self.jit_compile)
        if self.update == "simultaneous":
            return self._log(*self._simultaneous_update(real, labels))
        minibatches = _checks.split(real, labels, self.d_steps)
        d_logs = [self._discriminator_update(*minibatch) for minibatch in minibatches]
        return self._log(d_logs, self._generator_update(*minibatches[-1]))

    def test_step(self, data):
        real, labels = _checks.unpack(data, self.num_classes, check_range=not self.jit_compile)
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

        def objective():
            d_objective, d_logs, _, _ = self._discriminator_objective(real, fake, labels)
            return [d_objective], d_logs

        return self._descend([self.discriminator], objective)

    def _generator_update(self, real, labels):
        """One update of G with D fixed, on fresh noise (and D(x) of `real` if the loss uses it)."""
        z = self._noise(tf.shape(real)[0])

        def objective():
            fake_logits = self._discriminate(self._generate(z, labels, True), labels, True)
            real_logits = None
            if self.gan_loss.generator_needs_real_logits:
                real_logits = self._discriminate(real, labels, True)
            g_objective, g_logs = self._generator_objective(fake_logits, real_logits, labels)
            return [g_objective], g_logs

        return self._descend([self.generator], objective, tf.shape(z)[0])

    def _simultaneous_update(self, real, labels):
        """Both players' gradients from one forward pass, applied together; ([D logs], G logs)."""
        z = self._noise(tf.shape(real)[0])

        def objectives():
            fake = self._generate(z, labels, training=True)
            d_objective, d_logs, real_logits, fake_logits = self._discriminator_objective(
                real, fake, labels
            )
            if not self.gan_loss.generator_needs_real_logits:
                real_logits = None
            g_objective, g_logs = self._generator_objective(fake_logits, real_logits, labels)
            return [d_objective, g_objective], ([d_logs], g_logs)

        return self._descend([self.discriminator, self.generator], objectives, tf.shape(z)[0])

    def _descend(self, players, objectives, batch_size=None):
        """Moves each player one step of its optimizer down its objective; returns the logs.

        The gradients are all taken before any player moves; after G's step the averaged generator
        (if any) follows G.

        Args:
            players: the networks that move: [D], [G] or [D, G].
            objectives: () -> ([each player's objective], logs), run under a gradient tape per
                player.
            batch_size: G's examples per replica in the update, which the averaged generator's
                schedule counts.
        """
        optimizers = [self._optimizer_of(player) for player in players]
        tapes = [tf.GradientTape() for _ in players]
        with contextlib.ExitStack() as stack:
            for tape in tapes:
                stack.enter_context(tape)
            values, logs = objectives()
            scaled = [optimizer.scale_loss(v) for optimizer, v in zip(optimizers, values)]
        gradients = [
            tape.gradient(loss, player.trainable_variables)
            for tape, loss, player in zip(tapes, scaled, players)
        ]
        for player, optimizer, player_gradients in zip(players, optimizers, gradients):
            averaging = player is self.generator and self.averaged_generator is not None
            if averaging:
                updates = tf.convert_to_tensor(optimizer.iterations)  # G's updates before this one
            optimizer.apply(player_gradients, player.trainable_variables)
            if averaging:
                self.generator_ema.follow(
                    self.generator, self.averaged_generator, updates, batch_size
                )
        return logs

    def _optimizer_of(self, player):
        return self.g_optimizer if player is self.generator else self.d_optimizer

    def _discriminator_objective(self, real, fake, labels, training=True):
        """D's loss, penalties and diagnostics on a minibatch: for every D update and test_step.

        Returns:
            (objective: this replica's share of D's global-batch loss with the penalties,
             logs: {log key: (global-batch mean, weight of this value in the epoch mean)},
             real_logits, fake_logits).
        """
        real_logits = self._discriminate(real, labels, training)
        fake_logits = self._discriminate(fake, labels, training)
        d_loss = self.gan_loss.discriminator_loss(real_logits, fake_logits, labels=labels)
        _checks.check_per_example(d_loss, real, "The loss's discriminator_loss")
        augment_logs = {}
        if training and self.augment is not None:
            augment_logs = self.augment.observe(real_logits)
            _checks.check_declared(augment_logs, self.augment, "observe")
            augment_logs = {k: (v, 1.0) for k, v in augment_logs.items()}
        diagnostics = self.gan_loss.diagnostics(real_logits, fake_logits, labels=labels)
        _checks.check_declared(diagnostics, self.gan_loss, "diagnostics")
        per_example = {"d_loss": d_loss, **diagnostics}
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
        """(weight * the regularizer's per-example penalty, 1.0 if computed in this update else 0).

        In training a regularizer with every=N is computed on every N-th D update only, counted by
        D's optimizer, and is zero in the others; test_step computes it every time.
        """
        seed = distribute.replica_seed(self._seed_generator(training))

        critic = regularizers_lib.Critic(
            lambda x: self._discriminate(x, labels, training), self.d_optimizer.scale_loss
        )

        def weighted_penalty():
            penalty = regularizer.penalty(critic, real, fake, seed)
            _checks.check_per_example(
                penalty, real, f"The penalty of regularizer {regularizer.name!r}"
            )
            return regularizer.weight * tf.cast(penalty, tf.float32)

        if not training or regularizer.every == 1:
            return weighted_penalty(), 1.0

        def skipped():
            return tf.zeros(tf.shape(real)[:1], tf.float32)

        due = tf.equal(self.d_optimizer.iterations % regularizer.every, 0)
        return tf.cond(due, weighted_penalty, skipped), tf.cast(due, tf.float32)

    def _generator_objective(self, fake_logits, real_logits, labels):
        """(this replica's share of G's global-batch loss, logs) for each G update and test_step."""
        g_loss = self.gan_loss.generator_loss(fake_logits, real_logits, labels=labels)
        _checks.check_per_example(g_loss, fake_logits, "The loss's generator_loss")
        means, counts = distribute.global_means({"g_loss": g_loss})
        return distribute.share(g_loss, counts["g_loss"]), {"g_loss": (means["g_loss"], 1.0)}

    def _log(self, d_logs, g_logs):
        """Records the D updates' and the G update's logs, and the step's loss = d_loss + g_loss."""
        for logs in d_logs + [g_logs]:
            for name, (value, weight) in logs.items():
                self.trackers[name].update_state(value, sample_weight=weight)
        d_loss = tf.add_n([logs["d_loss"][0] for logs in d_logs]) / len(d_logs)
        self.trackers["loss"].update_state(d_loss + g_logs["g_loss"][0])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def _generate(self, z, labels, training):
        return self.generator(_checks.network_inputs(z, labels), training=training)

    def _discriminate(self, x, labels, training):
        """D's logits; in training, of augmented examples when the GAN augments."""
        if training and self.augment is not None:
            x = self.augment(x, distribute.replica_seed(self.seed_generator))
        return self.discriminator(_checks.network_inputs(x, labels), training=training)

    def _seed_states(self):
        """{store key: state variable} of the training seed generator and of the networks' ones."""
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
