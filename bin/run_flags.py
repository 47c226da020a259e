"""The training scripts' shared flags: the recipe and its fields, where and how a run executes, and
the run's identity. Each function takes the FlagValues to work on (absl's global FLAGS by default),
so that tests check the flags in-process."""

import dataclasses
import os
from typing import Any, Dict, Optional, Sequence, Union

import keras
import tensorflow as tf
from absl import flags

import tfgan

import errors  # bin/errors.py

JIT_COMPILE = {"auto": "auto", "true": True, "false": False}
OPERATIONAL_FLAGS = ("output_dir", "debug", "cluster_timeout", "tpu", "recipe")
"""Flags saying where and how a run executes, or held by the resolved recipe: not its identity."""
_DEFINE = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer, float: flags.DEFINE_float}


def define_recipe_flags(
    default: str, fields: Sequence[str], flag_values: flags.FlagValues = flags.FLAGS
) -> None:
    """--recipe (a name in tfgan.recipes.PRESETS) and one flag per recipe field in `fields`, which
    overrides that field when given."""
    preset = tfgan.recipes.PRESETS[default]
    flags.DEFINE_enum(
        "recipe",
        default,
        list(tfgan.recipes.PRESETS),
        "The training recipe (tfgan.recipes): networks, game, optimizers, batch, length; the flags "
        "below override its fields. Its defaults are shown for the default recipe.",
        flag_values=flag_values,
    )
    by_name = {field.name: field for field in dataclasses.fields(tfgan.recipes.Recipe)}
    for name in fields:
        field, value = by_name[name], getattr(preset, name)
        help_text = field.metadata["help"] + " (default: the recipe's)"
        if "choices" in field.metadata:
            flags.DEFINE_enum(
                name, value, field.metadata["choices"], help_text, flag_values=flag_values
            )
        else:
            define = _DEFINE.get(type(value), flags.DEFINE_string)
            define(name, value, help_text, flag_values=flag_values)


def recipe(flag_values: flags.FlagValues = flags.FLAGS) -> tfgan.recipes.Recipe:
    """The --recipe preset with the recipe flags given on the command line; warns in one line of an
    unconstrained critic.

    Raises:
        ValueError: a field's value the recipe can't take, naming the flag.
    """
    fields = {field.name for field in dataclasses.fields(tfgan.recipes.Recipe)}
    changes = {
        name: flag_values[name].value
        for name in fields
        if name in flag_values and not flag_values[name].using_default_value
    }
    try:
        resolved = tfgan.recipes.get(flag_values.recipe, **changes)
    except ValueError as error:
        raise ValueError(f"--{error}") from None
    warning = resolved.unconstrained_critic()
    if warning:
        errors.warn(warning)
    return resolved


def define_execution_flags(
    mixed_precision: str, flag_values: flags.FlagValues = flags.FLAGS
) -> None:
    """--strategy, --tpu, --cluster_timeout, --mixed_precision and --jit_compile."""
    flags.DEFINE_enum(
        "strategy",
        "default",
        tfgan.distribute.STRATEGIES,
        "tf.distribute strategy: default (one device), mirrored (all local GPUs, or all logical "
        "CPUs), multi_worker (hosts named in TF_CONFIG) or tpu (the TPU named by --tpu). "
        "--batch_size is the global batch, split between replicas.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "tpu",
        None,
        "With --strategy=tpu: the TPU's name or grpc:// address (default: the local TPU).",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "cluster_timeout",
        600,
        "With --strategy=multi_worker: seconds to wait for every worker of TF_CONFIG's cluster to "
        "connect, and for each exchange between them, before giving up.",
        lower_bound=1,
        flag_values=flag_values,
    )
    flags.register_multi_flags_validator(
        ["strategy", "tpu"],
        lambda values: values["tpu"] is None or values["strategy"] == "tpu",
        message="--tpu needs --strategy=tpu.",
        flag_values=flag_values,
    )
    flags.DEFINE_enum(
        "mixed_precision",
        mixed_precision,
        ("auto",) + tfgan.mixed_precision.PRECISIONS,
        "Keras mixed precision policy: none (float32), mixed_bfloat16, mixed_float16 (both "
        "optimizers then use dynamic loss scaling) or auto (mixed_bfloat16 on a CPU-only machine "
        "whose CPU has bfloat16 instructions, none elsewhere).",
        flag_values=flag_values,
    )
    flags.DEFINE_enum(
        "jit_compile",
        "auto",
        list(JIT_COMPILE),
        "Compile the train step with XLA: auto (on GPU/TPU, not on CPU), true or false.",
        flag_values=flag_values,
    )


def strategy(
    batch_size: int, flag_values: flags.FlagValues = flags.FLAGS
) -> tf.distribute.Strategy:
    """The --strategy, checked against the global batch, with --mixed_precision set (the chief says
    what "auto" resolved to)."""
    chosen = tfgan.distribute.make_strategy(
        flag_values.strategy, flag_values.tpu, flag_values.cluster_timeout
    )
    tfgan.distribute.check_global_batch(batch_size, chosen)
    resolved = tfgan.mixed_precision.resolve(flag_values.mixed_precision)
    keras.mixed_precision.set_global_policy(tfgan.mixed_precision.policy_name(resolved))
    if flag_values.mixed_precision == "auto" and tfgan.distribute.is_chief(chosen):
        print(f"Mixed precision (auto): {resolved}")
    return chosen


def jit_compile(flag_values: flags.FlagValues = flags.FLAGS) -> Union[str, bool]:
    return JIT_COMPILE[flag_values.jit_compile]


def identity(
    resolved: tfgan.recipes.Recipe,
    flag_values: flags.FlagValues = flags.FLAGS,
    script: Optional[str] = None,
    **more: Any,
) -> Dict[str, Any]:
    """What identifies a script's run: the script (default: the module that defines --output_dir),
    its flags (the resolved recipe's fields and the other flags that change what it computes, not
    OPERATIONAL_FLAGS) and `more` (e.g. its data)."""
    module = flag_values.find_module_defining_flag("output_dir")
    by_module = flag_values.flags_by_module_dict()
    values = resolved.to_dict()
    for defining in (module, __name__):
        for flag in by_module.get(defining, ()):
            if flag.name not in OPERATIONAL_FLAGS and flag.name not in values:
                values[flag.name] = flag.value
    return {"script": script or _script_name(module), "flags": values, **more}


def define_classifier_flags(flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """--classifier_dir and --classifier_split: where the digit classifier is cached, its data."""
    flags.DEFINE_string(
        "classifier_dir",
        None,
        "Cache directory of the digit classifier used for evaluation (default: "
        f"${tfgan.classifier.CACHE_DIR_ENV} or ~/.cache/tfgan); trained there on first use.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "classifier_split",
        "test",
        "Split the digit classifier is trained on (if not cached yet), from --data_dir, tfgan's "
        "copy of the MNIST test split, or tfds.",
        flag_values=flag_values,
    )


def _script_name(module: str) -> str:
    """train_mnist.py, whether absl names the module by its path (run) or its name (imported)."""
    name = os.path.basename(module)
    return name if name.endswith(".py") else f"{name}.py"
