"""Measures GAN.fit's speed (against a plain loop, PyTorch and the hardware) or its time to quality.

    python bin/benchmark.py --models=tutorial_dcgan --update=simultaneous,alternating --torch
    python bin/benchmark.py --models=circle,dcgan --mixed_precision=none,mixed_bfloat16 \\
        --output=b.json
    python bin/benchmark.py --quality --data_dir=DIR --split=test --classifier_split=test \\
        --seed=0,1,2 --output=q.json --plot=q.png
    python bin/benchmark.py --objectives=all --models=circle,dcgan

Throughput: every combination of --models, --update, --mixed_precision, --jit_compile and --seed is
one row of the table. --quality: every combination of --models (MNIST architectures),
--mixed_precision and --seed trains the recipe of bin/train_mnist.py, scores 10,000 samples every
--eval_every epochs with the digit classifier, and reports the training seconds until the samples
first meet each target; --plot draws the metrics against training seconds. --objectives: the cost
per train step of each loss and D constraint (benchmarks.objectives) relative to non_saturating.
--output writes all figures as JSON.
"""

import itertools
import os
import sys

from absl import flags

from tfgan import classifier, data, gan, mixed_precision, recipes, runs

import errors  # bin/errors.py: one-line errors
import run_flags  # bin/run_flags.py: the shared flags

# The harness lives in benchmarks/ at the repository's top level, outside the installed package.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks import objectives, throughput, time_to_quality  # noqa: E402

MNIST_ARCHS = sorted(throughput.MNIST_PRESETS)
THROUGHPUT_ONLY = ("update", "jit_compile", "steps", "windows", "torch", "objectives")
QUALITY_ONLY = (
    "dataset",
    "data_dir",
    "split",
    "classifier_split",
    "classifier_dir",
    "epochs",
    "eval_every",
    "num_samples",
    "learning_rate",
    "target_confident",
    "target_rarest_class",
    "target_fid",
    "plot",
)

flags.DEFINE_boolean(
    "quality", False, "Measure the time to quality of MNIST recipes instead of throughput."
)
flags.DEFINE_list(
    "models",
    None,
    f"Models: {', '.join(throughput.MODELS)} (default: all; with --quality: dcgan).",
)
flags.DEFINE_list("update", ["alternating"], "Update rules: alternating, simultaneous.")
flags.DEFINE_list(
    "mixed_precision",
    None,
    f"Precisions: auto, {', '.join(mixed_precision.PRECISIONS)} (default: none; with --quality: "
    "auto, as bin/train_mnist.py).",
)
flags.DEFINE_list("jit_compile", ["auto"], "XLA settings: auto (GPU/TPU only), true, false.")
flags.DEFINE_list("seed", ["0"], "Seeds of weights, data and noise; each seed is its own row.")
flags.DEFINE_integer(
    "batch_size", None, "Real examples per step (default: the model's).", lower_bound=1
)
flags.DEFINE_integer(
    "steps",
    None,
    "Train steps per timing window (default: the model's: circle 1000, dcgan and paper_mlp 100, "
    "tutorial_dcgan 10), rounded up to a multiple of --steps_per_execution.",
    lower_bound=1,
)
flags.DEFINE_integer("windows", 5, "Timed windows per side, after one warm-up.", lower_bound=1)
flags.DEFINE_integer(
    "steps_per_execution",
    None,
    "fit's steps per tf.function call (default: the scripts': circle 200, MNIST models 10).",
    lower_bound=1,
)
flags.DEFINE_boolean(
    "torch",
    False,
    "Also time the tutorial DCGAN in PyTorch (float32, or bfloat16 autocast next to "
    "mixed_bfloat16), if torch is installed.",
)
flags.DEFINE_enum("dataset", "mnist", data.DATASETS, "--quality: which dataset.")
flags.DEFINE_string(
    "data_dir",
    None,
    "--quality: directory of IDX files (default: tfgan's copy for MNIST's test split, else tfds).",
)
flags.DEFINE_string("split", "train", "--quality: split to train on and compare samples with.")
run_flags.define_classifier_flags()
flags.DEFINE_integer(
    "epochs", None, "--quality: epochs (default: the recipe's, as train_mnist.py).", lower_bound=1
)
flags.DEFINE_integer("eval_every", 1, "--quality: epochs between evaluations.", lower_bound=1)
flags.DEFINE_integer("num_samples", 10000, "--quality: samples per evaluation.", lower_bound=2)
flags.DEFINE_float("learning_rate", None, "--quality: Adam's initial rate (default: the recipe's).")
flags.DEFINE_float(
    "target_confident",
    time_to_quality.CONFIDENT_DIGITS["confident"],
    "--quality: first target: this share of samples classified with p > 0.9...",
)
flags.DEFINE_float(
    "target_rarest_class",
    time_to_quality.CONFIDENT_DIGITS["rarest_class"],
    "--quality: ...and every class at least this share of the samples.",
)
flags.DEFINE_float("target_fid", 30.0, "--quality: second target: Fréchet distance at most this.")
flags.DEFINE_string(
    "plot", None, "--quality: draw the metrics against training seconds to this PNG."
)
flags.DEFINE_list(
    "objectives",
    None,
    "Instead of the throughput table: the cost per step of these losses and D constraints "
    "(benchmarks.objectives names such as hinge+sn, wasserstein+gp10, non_saturating+r1_1, or all) "
    "on --models circle and dcgan, relative to non_saturating.",
)
flags.DEFINE_string("output", None, "Write the figures to this JSON file.")


def _register_choices(name, choices):
    flags.register_validator(
        name,
        lambda values: values is None or (bool(values) and set(values) <= set(choices)),
        message=f"--{name} takes a comma-separated list of {', '.join(choices)}.",
    )


_register_choices("models", list(throughput.MODELS))
_register_choices("update", gan.UPDATES)
_register_choices("mixed_precision", ("auto",) + mixed_precision.PRECISIONS)
_register_choices("jit_compile", list(run_flags.JIT_COMPILE))
flags.register_validator(
    "objectives",
    lambda values: values is None or set(values) <= set(objectives.OBJECTIVES) | {"all"},
    message=(
        f"--objectives takes a comma-separated list of {', '.join(objectives.OBJECTIVES)} or all."
    ),
)
flags.register_multi_flags_validator(
    ["objectives", "models"],
    lambda values: not values["objectives"] or set(values["models"] or ()) <= {"circle", "dcgan"},
    message="--objectives times the circle and dcgan models: choose --models from circle, dcgan.",
)
flags.register_validator(
    "seed",
    lambda values: bool(values) and all(value.isdigit() for value in values),
    message="--seed takes a comma-separated list of non-negative integers.",
)
flags.register_validator(
    "learning_rate", lambda v: v is None or v > 0, message="--learning_rate must be positive."
)
flags.register_multi_flags_validator(
    ["torch", "models"],
    lambda values: (
        not values["torch"] or "tutorial_dcgan" in (values["models"] or throughput.MODELS)
    ),
    message="--torch compares PyTorch on the tutorial DCGAN: add tutorial_dcgan to --models.",
)
flags.register_multi_flags_validator(
    ["quality", "models"],
    lambda values: not values["quality"] or set(values["models"] or ()) <= set(MNIST_ARCHS),
    message=f"--quality trains MNIST recipes: choose --models from {', '.join(MNIST_ARCHS)}.",
)
FLAGS = flags.FLAGS


def _check_mode_flags():
    """Raises for a flag set on the command line that the chosen mode does not use."""
    unused = THROUGHPUT_ONLY if FLAGS.quality else QUALITY_ONLY
    for name in unused:
        if FLAGS[name].present:
            mode = "throughput runs" if FLAGS.quality else "--quality"
            raise ValueError(f"--{name} applies to {mode} only; drop it or change the mode.")


def measure_throughput(seeds):
    precisions = [mixed_precision.resolve(value) for value in FLAGS.mixed_precision or ["none"]]
    report = throughput.run_benchmarks(
        FLAGS.models or list(throughput.MODELS),
        FLAGS.update,
        precisions,
        [run_flags.JIT_COMPILE[value] for value in FLAGS.jit_compile],
        seeds,
        torch=FLAGS.torch,
        progress=lambda message: print(f"benchmark: {message}", flush=True),
        batch_size=FLAGS.batch_size,
        steps=FLAGS.steps,
        windows=FLAGS.windows,
        steps_per_execution=FLAGS.steps_per_execution,
    )
    peaks = ", ".join(f"{d} {f / 1e9:.1f} GFLOP/s" for d, f in report["peak_flops_per_s"].items())
    print(f"Dense matmul peak: {peaks}")
    if report["environment"].get("torch") == "torch not installed":
        print("torch not installed: no PyTorch comparison.")
    print(throughput.format_table(report["results"]))
    return report


def measure_objectives(seeds):
    """ms per train step of each objective, and its ratio to non_saturating's on the same model."""
    names = list(objectives.OBJECTIVES) if "all" in FLAGS.objectives else FLAGS.objectives
    names = ["non_saturating"] + [name for name in names if name != "non_saturating"]
    rows = []
    print("| model | objective | d_steps | ms/step | × non_saturating |")
    print("| --- | --- | --- | --- | --- |")
    for model, name, seed in itertools.product(FLAGS.models or ["circle", "dcgan"], names, seeds):
        steps = FLAGS.steps or (200 if model == "circle" else 20)
        cost = objectives.cost_per_step(
            objectives.OBJECTIVES[name], model, steps, FLAGS.windows, seed
        )
        base = next(
            (r for r in rows if r["model"] == model and r["objective"] == "non_saturating"), None
        )
        ratio = cost["ms_per_step"] / (base or cost)["ms_per_step"]
        rows.append({"model": model, "objective": name, "seed": seed, **cost, "relative": ratio})
        print(
            f"| {model} | {name} | {cost['d_steps']} | {cost['ms_per_step']:.2f} | {ratio:.2f} |",
            flush=True,
        )
    return {"environment": throughput.environment(), "objectives": rows}


def measure_quality(seeds):
    judge = classifier.load_or_train(
        FLAGS.dataset, FLAGS.classifier_split, FLAGS.data_dir, FLAGS.classifier_dir, verbose=1
    )
    targets = [
        {"confident": FLAGS.target_confident, "rarest_class": FLAGS.target_rarest_class},
        {"fid": FLAGS.target_fid},
    ]
    reports = []
    for arch, value, seed in itertools.product(
        FLAGS.models or ["dcgan"], FLAGS.mixed_precision or ["auto"], seeds
    ):
        resolved = mixed_precision.resolve(value)
        print(f"benchmark: time to quality of {arch}, {resolved}, seed {seed}", flush=True)
        reports.append(
            time_to_quality.mnist(
                judge,
                FLAGS.split,
                FLAGS.dataset,
                FLAGS.data_dir,
                recipe=_quality_recipe(arch),
                precision=resolved,
                seed=seed,
                epochs=FLAGS.epochs,
                eval_every=FLAGS.eval_every,
                num_samples=FLAGS.num_samples,
                targets=targets,
                on_point=_print_point,
            )
        )
    print(time_to_quality.format_table(reports))
    if FLAGS.plot:
        curves = {_label(report["config"]): report["curve"] for report in reports}
        time_to_quality.plot_quality_curves(curves, FLAGS.plot, target={**targets[0], **targets[1]})
        print(f"Wrote {FLAGS.plot}")
    return {"environment": throughput.environment(), "runs": reports}


def _print_point(point):
    print(
        f"benchmark:   epoch {point['epoch']}: {point['train_seconds']:.1f} s  "
        f"confident {point['confident']:.3f}  rarest {point['rarest_class']:.3f}  "
        f"fid {point['fid']:.1f}",
        flush=True,
    )


def _quality_recipe(arch):
    """The recipe of `arch` with the --batch_size, --learning_rate, --steps_per_execution given."""
    changes = {
        "batch_size": FLAGS.batch_size,
        "learning_rate": FLAGS.learning_rate,
        "steps_per_execution": FLAGS.steps_per_execution,
    }
    given = {name: value for name, value in changes.items() if value is not None}
    return recipes.get(throughput.MNIST_PRESETS[arch], **given)


def _label(config):
    return f"{config['recipe']['arch']} {config['mixed_precision']} seed {config['seed']}"


def main(argv):
    del argv
    _check_mode_flags()
    seeds = [int(value) for value in FLAGS.seed]
    if FLAGS.quality:
        report = measure_quality(seeds)
    elif FLAGS.objectives:
        report = measure_objectives(seeds)
    else:
        report = measure_throughput(seeds)
    if FLAGS.output:
        runs.write_json(FLAGS.output, report)
        print(f"Wrote {FLAGS.output}")


if __name__ == "__main__":
    errors.run(main)
