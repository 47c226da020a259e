"""Tests that the docs match the code: the extension guide's complete example runs, and the guide's
signatures name the parameters of the objects they document."""

import ast
import functools
import inspect
import os
import re
import subprocess
import sys

import pytest
import tensorflow as tf

import tfgan

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_blocks(path):
    with open(path) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.DOTALL)


def run_python(code, cwd):
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=600
    )


class ReadmeAndGuideExamplesTest(tf.test.TestCase):
    def test_the_guide_trains_a_run_that_a_second_call_finds_finished(self):
        blocks = python_blocks(os.path.join(ROOT, "docs", "guide.md"))
        (block,) = [b for b in blocks if "guide_circle" in b]
        first = run_python(block, self.get_temp_dir())
        self.assertEqual(first.returncode, 0, first.stderr[-3000:])
        self.assertIn("True 1200 ['circle.png', 'gan.keras', 'generator.keras']", first.stdout)
        again = run_python(block, self.get_temp_dir())
        self.assertIn("False 1200", again.stdout)
        self.assertTrue(
            os.path.isfile(os.path.join(self.get_temp_dir(), "runs", "guide_circle.csv"))
        )

    @pytest.mark.slow  # the circle recipe's 6,000 steps
    def test_the_readme_example_reaches_the_scripts_circle_quality(self):
        (block,) = python_blocks(os.path.join(ROOT, "README.md"))
        result = run_python(block, self.get_temp_dir())
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        error = float(re.search(r"radius error ([\d.]+)", result.stdout).group(1))
        self.assertLess(error, 0.005)


class ExtendingGuideTest(tf.test.TestCase):
    def test_the_guide_code_trains_logs_saves_and_reloads(self):
        blocks = python_blocks(os.path.join(ROOT, "docs", "extending.md"))
        self.assertLen(blocks, 4)  # the loss, the relativistic loss, the penalty, the example
        probe = "\n".join(blocks) + (
            "\nassert isinstance(gan.gan_loss, SmoothedNonSaturating)"
            "\nassert gan.gan_loss.smoothing == 0.9"
            "\nassert isinstance(gan.regularizers[0], InterpolateGradientPenalty)"
            "\nassert gan.regularizers[0].every == 4"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=self.get_temp_dir(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("'interpolate_gradient_penalty', 'loss']", result.stdout)
        self.assertTrue(os.path.isfile(os.path.join(self.get_temp_dir(), "custom.keras")))


# A fenced block after this marker holds one signature per entry, `tfgan.X.y(params)`, written as
# Python parameters with literal defaults; continuation lines of an entry are indented.
SIGNATURE_BLOCK = re.compile(r"<!-- signatures[^>]*-->\s*```python\n(.*?)```", re.DOTALL)
DOCUMENTED = (
    "tfgan.GAN",
    "tfgan.GAN.compile",
    "tfgan.GAN.generate",
    "tfgan.losses.GANLoss.discriminator_loss",
    "tfgan.losses.GANLoss.generator_loss",
    "tfgan.losses.GANLoss.diagnostics",
    "tfgan.regularizers.Regularizer",
    "tfgan.regularizers.Regularizer.penalty",
)


def documented_signatures(path):
    """{dotted name: signature text} of the marked blocks of a markdown file."""
    with open(path) as f:
        blocks = SIGNATURE_BLOCK.findall(f.read())
    entries = []
    for line in "".join(blocks).splitlines():
        if line.startswith(" ") and entries:
            entries[-1] += " " + line.strip()
        elif line.strip():
            entries.append(line.strip())
    signatures = {}
    for entry in entries:
        match = re.fullmatch(r"(tfgan(?:\.\w+)+)\((.*)\)", entry)
        if not match:
            raise ValueError(f"not a signature: {entry!r}")
        signatures[match.group(1)] = match.group(2)
    return signatures


def _default(node):
    if node is None:
        return inspect.Parameter.empty
    return ast.literal_eval(node)


def parameters_from_text(text):
    """[(name, kind, default)] of a documented parameter list, parsed as a Python def."""
    arguments = ast.parse(f"def f({text}): pass").body[0].args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
    return [
        (argument.arg, "positional", _default(default))
        for argument, default in zip(positional, defaults)
    ] + [
        (argument.arg, "keyword", _default(default))
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults)
    ]


def parameters_of(dotted_name):
    """[(name, kind, default)] of a tfgan object's named parameters (a class: its constructor's),
    without self, *args and **kwargs."""
    target = functools.reduce(getattr, dotted_name.split(".")[1:], tfgan)
    if inspect.isclass(target):
        target = target.__init__
    kinds = {
        inspect.Parameter.POSITIONAL_ONLY: "positional",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
        inspect.Parameter.KEYWORD_ONLY: "keyword",
    }
    return [
        (parameter.name, kinds[parameter.kind], parameter.default)
        for parameter in inspect.signature(target).parameters.values()
        if parameter.kind in kinds and parameter.name != "self"
    ]


class GuideSignatureTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.signatures = documented_signatures(os.path.join(ROOT, "docs", "guide.md"))

    def test_the_guide_documents_the_model_and_the_loss_and_regularizer_methods(self):
        for name in DOCUMENTED:
            self.assertIn(name, self.signatures)

    def test_every_documented_signature_has_the_code_parameters_in_order_with_their_defaults(self):
        for name, text in self.signatures.items():
            with self.subTest(name):
                self.assertEqual(
                    parameters_from_text(text),
                    parameters_of(name),
                    f"docs/guide.md: {name}({text})",
                )

    def test_a_parameter_missing_from_the_docs_fails_the_comparison(self):
        documented = parameters_from_text("n, labels=None, seed=None")
        self.assertNotEqual(documented, parameters_of("tfgan.GAN.generate"))


if __name__ == "__main__":
    tf.test.main()
