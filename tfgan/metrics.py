"""Evaluation metrics for generated samples."""

import numpy as np


def radius_error(points, radius: float = 1.0) -> float:
    """Mean |‖x‖ − radius| of [n, 2] points: how far samples lie from the circle."""
    return float(np.mean(np.abs(np.linalg.norm(_points(points), axis=1) - radius)))


def angular_ks_distance(points) -> float:
    """Kolmogorov–Smirnov distance between the points' angles and the uniform distribution on [0, 2π)."""
    points = _points(points)
    u = np.sort((np.arctan2(points[:, 1], points[:, 0]) / (2 * np.pi)) % 1.0)
    n = len(u)
    steps = np.arange(1, n + 1) / n
    return float(max(np.max(steps - u), np.max(u - (steps - 1 / n))))


def arc_counts(points, num_arcs: int = 36) -> np.ndarray:
    """How many points fall in each of num_arcs equal arcs of the circle, starting at angle 0."""
    points = _points(points)
    arcs = np.floor((np.arctan2(points[:, 1], points[:, 0]) % (2 * np.pi)) / (2 * np.pi) * num_arcs)
    return np.bincount(np.minimum(arcs.astype(int), num_arcs - 1), minlength=num_arcs)


def arc_coverage(points, num_arcs: int = 36, min_share: float = 0.5) -> float:
    """Share of num_arcs equal arcs holding at least min_share of their expected count (uniform angles).

    A generator that drops part of the circle (mode collapse) covers fewer arcs; 1.0 is full coverage.
    """
    counts = arc_counts(points, num_arcs)
    return float(np.mean(counts >= min_share * counts.sum() / num_arcs))


def _points(points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"Expected points of shape [n, 2] with n > 0, got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise ValueError("Points contain NaN or infinity: the generator has diverged.")
    return points
