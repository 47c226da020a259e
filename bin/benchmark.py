"""Measures GAN.fit's training throughput against a plain tf.function loop, PyTorch and the hardware.

    python bin/benchmark.py --models=tutorial_dcgan --update=simultaneous,alternating --torch
    python bin/benchmark.py --models=circle,dcgan --mixed_precision=none,mixed_bfloat16 --output=b.json

Every combination of --models, --update, --mixed_precision and --jit_compile is one row of the table;
--output also writes the figures, each timing window's and the environment's, as JSON.
"""

import json

from absl import flags

from tfgan import benchmark, cli, gan, precision

flags.DEFINE_list("models", list(benchmark.MODELS), f"Models: {', '.join(benchmark.MODELS)}.")
flags.DEFINE_list("update", ["alternating"], "Update rules: alternating, simultaneous.")
flags.DEFINE_list("mixed_precision", ["none"], f"Precisions: {', '.join(precision.PRECISIONS)}.")
flags.DEFINE_list("jit_compile", ["auto"], "XLA settings: auto (GPU/TPU only), true, false.")
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
    "torch", False, "Also time the tutorial DCGAN in PyTorch, if torch is installed."
)
flags.DEFINE_string("output", None, "Write the figures to this JSON file.")
flags.DEFINE_integer("seed", 0, "Seeds weights, data and noise.")


def _register_choices(name, choices):
    flags.register_validator(
        name,
        lambda values: bool(values) and set(values) <= set(choices),
        message=f"--{name} takes a comma-separated list of {', '.join(choices)}.",
    )


_register_choices("models", list(benchmark.MODELS))
_register_choices("update", gan.UPDATES)
_register_choices("mixed_precision", precision.PRECISIONS)
_register_choices("jit_compile", cli.JIT_COMPILE_CHOICES)
flags.register_multi_flags_validator(
    ["torch", "models"],
    lambda values: not values["torch"] or "tutorial_dcgan" in values["models"],
    message="--torch compares PyTorch on the tutorial DCGAN: add tutorial_dcgan to --models.",
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    report = benchmark.run_benchmarks(
        FLAGS.models,
        FLAGS.update,
        FLAGS.mixed_precision,
        [cli.jit_compile(value) for value in FLAGS.jit_compile],
        torch=FLAGS.torch,
        progress=lambda message: print(f"benchmark: {message}", flush=True),
        batch_size=FLAGS.batch_size,
        steps=FLAGS.steps,
        windows=FLAGS.windows,
        steps_per_execution=FLAGS.steps_per_execution,
        seed=FLAGS.seed,
    )
    peaks = ", ".join(f"{d} {f / 1e9:.1f} GFLOP/s" for d, f in report["peak_flops_per_s"].items())
    print(f"Dense matmul peak: {peaks}")
    if report["environment"].get("torch") == "torch not installed":
        print("torch not installed: no PyTorch comparison.")
    print(benchmark.format_table(report["results"]))
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(report, f, indent=2)
        print(f"Wrote {FLAGS.output}")


if __name__ == "__main__":
    cli.run(main)
