"""Trains a GAN on 2-D points on a circle and draws what it learned.

    python bin/train_circle.py --output_dir=runs/circle
    TFGAN_LOGICAL_CPUS=2 python bin/train_circle.py --strategy=mirrored --output_dir=runs/circle2

Writes OUTPUT_DIR/generator.keras, gan.keras, circle.png (samples over D(x)), TensorBoard logs in
OUTPUT_DIR/logs and, last, run.json (the run's flags and its files' checksums). Rerunning a command
killed at any instant resumes from its last completed epoch and ends as an uninterrupted run does.
"""

from absl import flags

import tfgan

import cli  # bin/cli.py: the scripts' shared plumbing

flags.DEFINE_string("output_dir", None, "Directory for models, picture, logs and checkpoints.")
flags.DEFINE_integer(
    "steps",
    None,
    "Generator updates (train steps) in all (default: 6000, or the objective recipe's: 1800 for "
    "wasserstein with a gradient penalty).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "steps_per_epoch", 600, "Train steps per epoch (logs and checkpoints).", lower_bound=1
)
flags.DEFINE_integer(
    "batch_size", 512, "Real points per discriminator update (global: all replicas).", lower_bound=1
)
flags.DEFINE_integer("latent_dim", 4, "Size of the noise vector z.", lower_bound=1)
flags.DEFINE_integer(
    "hidden_units", 128, "Width of the two hidden layers of G and D.", lower_bound=1
)
cli.define_objective_flags()
cli.define_ema_flags()
flags.DEFINE_float(
    "learning_rate",
    None,
    f"Initial Adam learning rate of G, cosine-decayed to 0 (default "
    f"{tfgan.recipes.CIRCLE_LEARNING_RATE:g}; D's "
    "is the same unless the objective's recipe scales it).",
)
flags.DEFINE_float(
    "beta_1",
    None,
    "Adam beta_1 of both players (default: the objective recipe's, else "
    f"{tfgan.recipes.CIRCLE_BETA_1:g}).",
)
flags.DEFINE_float("radius", 1.0, "Radius of the data circle.")
flags.DEFINE_float("noise_std", 0.0, "Radial Gaussian noise of the data points.")
flags.DEFINE_integer("seed", 0, "Seeds data, weights and noise: the same seed gives the same run.")
flags.DEFINE_integer(
    "steps_per_execution",
    200,
    "Train steps per tf.function call (at most: the largest number of steps that divides an "
    "epoch).",
    lower_bound=1,
)
cli.define_jit_compile_flag()
cli.define_strategy_flags()
cli.define_mixed_precision_flag()
flags.mark_flag_as_required("output_dir")
cli.register_positive("radius")
flags.register_validator(
    "learning_rate", lambda v: v is None or v > 0, message="--learning_rate must be positive."
)
flags.register_validator("noise_std", lambda v: v >= 0, message="--noise_std must be non-negative.")
flags.register_validator(
    "beta_1", lambda v: v is None or 0 <= v < 1, message="--beta_1 must be in [0, 1)."
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    strategy = cli.make_strategy(FLAGS.strategy, FLAGS.tpu, FLAGS.cluster_timeout)
    cli.check_batch_size(FLAGS.batch_size, strategy)
    cli.set_mixed_precision(FLAGS.mixed_precision, strategy)
    objective = cli.objective(tfgan.recipes.CIRCLE_OBJECTIVES)
    steps = tfgan.recipes.circle_steps(FLAGS.steps, objective)
    steps_per_epoch = min(FLAGS.steps_per_epoch, steps)
    if steps % steps_per_epoch:
        raise ValueError(
            f"--steps must be a multiple of --steps_per_epoch ({steps} and {steps_per_epoch}): "
            "every epoch has --steps_per_epoch steps."
        )
    d_steps = FLAGS.d_steps or objective.d_steps

    def setup(start_epoch):
        with strategy.scope():
            gan = tfgan.recipes.circle_gan(
                steps,
                d_steps=d_steps,
                learning_rate=FLAGS.learning_rate,
                beta_1=FLAGS.beta_1,
                latent_dim=FLAGS.latent_dim,
                hidden_units=FLAGS.hidden_units,
                **cli.recipe_arguments(steps_per_epoch),
            )
        data = tfgan.data.circle(
            FLAGS.batch_size * d_steps,
            FLAGS.radius,
            FLAGS.noise_std,
            seed=FLAGS.seed,
            start_batch=start_epoch * steps_per_epoch,
        )
        return cli.Training(gan, data, steps // steps_per_epoch, steps_per_epoch)

    def outputs(gan):
        return {
            "gan.keras": gan.save,
            **cli.generator_outputs(gan),
            "circle.png": lambda path: tfgan.plotting.plot_circle(gan, path, FLAGS.radius),
        }

    if cli.train(FLAGS.output_dir, strategy, setup, outputs) and cli.is_chief(strategy):
        print(f"Wrote generator.keras, gan.keras, circle.png and logs/ to {FLAGS.output_dir}")


if __name__ == "__main__":
    cli.run(main)
