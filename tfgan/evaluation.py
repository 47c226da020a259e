"""Metric functions of generated samples: digits against real images, points against the circle.

Each builder returns a function `samples -> {name: float}` that holds what it needs about the real
data (for digits: the classifier and the real images' features, computed once), so the same
function serves a one-off evaluation (bin/evaluate.py), its real-vs-real reference row, and
`tfgan.callbacks.EvaluationCallback` during training.
"""

from typing import Callable, Dict, Sequence

import keras
import numpy as np
import scipy.special

from tfgan import classifier, metrics

MetricsFn = Callable[[np.ndarray], Dict[str, float]]

DIGIT_METRICS = ("fid", "kid", "score", "prdc", "parzen")
"""Metric groups of `digit_metrics` and the keys each adds:
fid: "fid"; kid: "kid", "kid_std"; score: "score", "confident", "rarest_class";
prdc: "precision", "recall", "density", "coverage"; parzen: "parzen", "parzen_std_error",
"parzen_sigma"."""

LABEL_METRICS = ("label_accuracy", "intra_fid")
"""Keys `digit_metrics` adds for a conditional generator's samples and their requested labels
(with real_labels given): the classifier's agreement with the requested labels, and the
intra-class Fréchet distance, the mean over classes of the distance between one class's samples
and its real images (Miyato & Koyama 2018)."""

CIRCLE_METRICS = ("radius_error", "angle_ks", "arc_coverage", "swd")
"""Keys of `circle_metrics`: mean |‖x‖ − r|, angular Kolmogorov–Smirnov distance to uniform,
share of 36 ten-degree arcs holding at least half their expected share, sliced Wasserstein-1
distance to the circle."""

CONFIDENCE = 0.9
"""A sample counts as confidently classified when its largest class probability exceeds this."""


def digit_metrics(
    model: keras.Model,
    real_images,
    metrics_to_compute: Sequence[str] = ("fid", "kid", "score"),
    parzen_validation_images=None,
    batch_size: int = 1000,
    real_labels=None,
) -> MetricsFn:
    """A function scoring [n, 28, 28, 1] samples in [-1, 1] against real images with a classifier.

    fid, kid and prdc compare the classifier's penultimate-layer features of the samples and of
    real_images (Fréchet distance, kernel distance, precision/recall/density/coverage with k=5;
    the Fréchet distance leaves out features that are constant over both sets, which changes
    nothing but avoids singular covariances);
    score is the classifier score from its logits, with the share of samples classified with
    probability > 0.9 ("confident") and the share of the rarest predicted class ("rarest_class",
    1/C when the classes are balanced, 0 when one is missing); parzen is the Parzen-window
    log-likelihood of real_images under the samples, its σ chosen on parzen_validation_images
    (Goodfellow et al. 2014). Called with the labels the samples were drawn for, it adds
    LABEL_METRICS (real_labels required).

    Args:
        model: a classifier from tfgan.classifier.
        real_images: [n, 28, 28, 1] real images in [-1, 1]; their features are computed once, here.
        metrics_to_compute: groups from DIGIT_METRICS.
        parzen_validation_images: images in [-1, 1] that choose σ; required for "parzen".
        batch_size: images per classifier pass.
        real_labels: the classes of real_images, for LABEL_METRICS.

    Returns:
        f(samples, labels=None) -> {key: float} with the keys of the chosen groups (see
        DIGIT_METRICS) and, given labels, LABEL_METRICS.

    Raises:
        ValueError: unknown metric names, "parzen" without validation images, or bad images;
            f raises it for labels without real_labels, or for a class without samples or real
            images.
    """
    chosen = _check_names(metrics_to_compute, DIGIT_METRICS)
    if "parzen" in chosen and parzen_validation_images is None:
        raise ValueError("the parzen metric needs validation images to choose the kernel width.")
    real_images = np.asarray(real_images, np.float32)
    real_features, _ = classifier.features_and_logits(model, real_images, batch_size)

    def compute(samples, labels=None) -> Dict[str, float]:
        features, logits = classifier.features_and_logits(model, samples, batch_size)
        results = {}
        if "fid" in chosen:
            results["fid"] = metrics.frechet_distance(real_features, features)
        if "kid" in chosen:
            kid = metrics.kernel_distance(real_features, features)
            results.update(kid=kid["mean"], kid_std=kid["std"])
        if "score" in chosen:
            probs = scipy.special.softmax(logits.astype(np.float64), axis=1)
            results["score"] = metrics.classifier_score(probs)
            results["confident"] = float(np.mean(probs.max(axis=1) > CONFIDENCE))
            results["rarest_class"] = float(metrics.class_histogram(probs).min())
        if "prdc" in chosen:
            results.update(metrics.precision_recall_density_coverage(real_features, features))
        if "parzen" in chosen:
            parzen = metrics.parzen_log_likelihood(samples, real_images, parzen_validation_images)
            results.update(
                parzen=parzen["mean"],
                parzen_std_error=parzen["std_error"],
                parzen_sigma=parzen["sigma"],
            )
        if labels is not None:
            results.update(_label_metrics(real_features, real_labels, features, logits, labels))
        return results

    return compute


def _label_metrics(real_features, real_labels, features, logits, labels) -> Dict[str, float]:
    if real_labels is None:
        raise ValueError("label metrics need the real images' labels: pass real_labels=.")
    real_labels, labels = np.asarray(real_labels), np.asarray(labels)
    distances = []
    for label in np.unique(np.concatenate([real_labels, labels])):
        mine, real = features[labels == label], real_features[real_labels == label]
        if min(len(mine), len(real)) < 2:
            raise ValueError(
                f"class {label} has {len(mine)} samples and {len(real)} real images; the "
                "intra-class distance needs at least 2 of each: draw balanced labels."
            )
        distances.append(metrics.frechet_distance(real, mine))
    return {
        "label_accuracy": float(np.mean(np.argmax(logits, axis=1) == labels)),
        "intra_fid": float(np.mean(distances)),
    }


def circle_metrics(
    metrics_to_compute: Sequence[str] = CIRCLE_METRICS, radius: float = 1.0
) -> MetricsFn:
    """A function scoring [n, 2] samples against the uniform circle of this radius.

    Args:
        metrics_to_compute: keys from CIRCLE_METRICS.
        radius: the true circle's radius.

    Returns:
        f(points) -> {key: float}.

    Raises:
        ValueError: unknown metric names.
    """
    chosen = _check_names(metrics_to_compute, CIRCLE_METRICS)
    functions = {
        "radius_error": lambda p: metrics.radius_error(p, radius),
        "angle_ks": metrics.angular_ks_distance,
        "arc_coverage": metrics.arc_coverage,
        "swd": lambda p: metrics.sliced_wasserstein_to_circle(p, radius),
    }

    def compute(points) -> Dict[str, float]:
        return {name: functions[name](points) for name in CIRCLE_METRICS if name in chosen}

    return compute


def format_table(rows: Dict[str, Dict[str, float]]) -> str:
    """A text table with one line per metric and one column per row of results.

    Args:
        rows: {column title: {metric: value}}, e.g. {"generator": {...}, "real": {...}}.
    """
    names = list(dict.fromkeys(name for row in rows.values() for name in row))
    width = max([len(name) for name in names] + [6])
    columns = [max(12, len(title)) for title in rows]
    lines = [
        "metric".ljust(width)
        + "".join(f"  {title:>{c}}" for title, c in zip(rows, columns)).rstrip()
    ]
    for name in names:
        cells = [
            f"{row[name]:{c}.5g}" if name in row else " " * c
            for row, c in zip(rows.values(), columns)
        ]
        lines.append(name.ljust(width) + "".join(f"  {cell}" for cell in cells).rstrip())
    return "\n".join(lines)


def _check_names(names: Sequence[str], known: Sequence[str]) -> set:
    if isinstance(names, str):
        names = [names]
    if not names:
        raise ValueError(f"no metrics chosen: choose from {', '.join(known)}.")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown metrics {', '.join(unknown)}: choose from {', '.join(known)}.")
    return set(names)
