"""Trains a GAN on 2-D points on a circle and draws what it learned.

    python bin/train_circle.py --output_dir=runs/circle
    python bin/train_circle.py --recipe=circle_wgan_gp --output_dir=runs/circle_wgan_gp
    TFGAN_LOGICAL_CPUS=2 python bin/train_circle.py --strategy=mirrored --output_dir=runs/circle2

Trains --recipe (tfgan.recipes; the recipe flags override its fields) crash-safe with
tfgan.runs.train: OUTPUT_DIR/generator.keras, gan.keras, circle.png (samples over D(x)), TensorBoard
logs in OUTPUT_DIR/logs and, last, run.json. Rerunning a command killed at any instant resumes from
its last completed epoch and ends as an uninterrupted run does.
"""

from absl import flags

import tfgan

import errors  # bin/errors.py: one-line errors
import run_flags  # bin/run_flags.py: the training scripts' shared flags

RECIPE_FLAGS = (
    "latent_dim hidden_units loss d_steps spectral_norm gradient_penalty r1_gamma r1_every "
    "learning_rate d_learning_rate_scale beta_1 beta_2 schedule batch_size steps "
    "steps_per_execution ema ema_half_life"
).split()

flags.DEFINE_string("output_dir", None, "Directory for models, picture, logs and checkpoints.")
flags.DEFINE_integer(
    "steps_per_epoch", 600, "Train steps per epoch (logs and checkpoints).", lower_bound=1
)
flags.DEFINE_float("radius", 1.0, "Radius of the data circle.")
flags.DEFINE_float("noise_std", 0.0, "Radial Gaussian noise of the data points.")
flags.DEFINE_integer("seed", 0, "Seeds data, weights and noise: the same seed gives the same run.")
run_flags.define_recipe_flags("circle", RECIPE_FLAGS)
run_flags.define_execution_flags(mixed_precision="none")
flags.mark_flag_as_required("output_dir")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    recipe = run_flags.recipe()
    steps_per_epoch = min(FLAGS.steps_per_epoch, recipe.steps)
    if recipe.steps % steps_per_epoch:
        raise ValueError(
            f"--steps must be a multiple of --steps_per_epoch ({recipe.steps} and "
            f"{steps_per_epoch}): every epoch has --steps_per_epoch steps."
        )
    strategy = run_flags.strategy(recipe.batch_size)

    def points_from(start_epoch):
        return tfgan.data.circle(
            recipe.batch_size * recipe.d_steps,
            FLAGS.radius,
            FLAGS.noise_std,
            seed=FLAGS.seed,
            start_batch=start_epoch * steps_per_epoch,
        )

    first_epoch = points_from(0)  # checks --radius and --noise_std before the networks are built
    with strategy.scope():
        gan = recipe.build(steps_per_epoch, seed=FLAGS.seed, jit_compile=run_flags.jit_compile())
    result = tfgan.runs.train(
        gan,
        lambda start: first_epoch if start == 0 else points_from(start),
        FLAGS.output_dir,
        epochs=recipe.epochs(steps_per_epoch),
        steps_per_epoch=steps_per_epoch,
        identity=run_flags.identity(recipe),
        outputs={"circle.png": lambda path: tfgan.plotting.plot_circle(gan, path, FLAGS.radius)},
    )
    if result.trained and tfgan.distribute.is_chief(strategy):
        print(f"Wrote {', '.join(result.record['files'])} and logs/ to {FLAGS.output_dir}")


if __name__ == "__main__":
    errors.run(main)
