"""Evaluation metrics for generated samples."""

import warnings

import numpy as np
import scipy.linalg
import scipy.spatial.distance
import tensorflow as tf


def radius_error(points, radius: float = 1.0) -> float:
    """Mean |‖x‖ − radius| of [n, 2] points: how far samples lie from the circle."""
    return float(np.mean(np.abs(np.linalg.norm(_points(points), axis=1) - radius)))


def angular_ks_distance(points) -> float:
    """Kolmogorov–Smirnov distance of the points' angles to the uniform distribution on [0, 2π)."""
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
    """Share of num_arcs equal arcs holding at least min_share of their expected (uniform) count.

    A generator that drops part of the circle (mode collapse) covers fewer arcs; 1.0 is full
    coverage.
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


def frechet_distance(real_features, fake_features) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017).

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2}), with sample means μ and unbiased sample
    covariances Σ, computed in float64. Features constant over both sets (ReLU units that never
    fire) add exactly 0 but make both covariances singular, so they are left out. When the matrix
    square root is still not finite, eps·I is added to both covariances; the real part of the square
    root is used.

    Args:
        real_features: [n, d] array or tensor of features of real samples.
        fake_features: [m, d] array or tensor of features of generated samples.

    Returns:
        The Fréchet distance d² as a Python float.

    Raises:
        ValueError: if the inputs are not rank 2 with matching feature sizes and >= 2 rows.
    """
    real, fake = _feature_pair(real_features, fake_features, min_rows=2)
    varying = np.ptp(np.concatenate([real, fake]), axis=0) > 0
    real, fake = real[:, varying], fake[:, varying]
    d = real.shape[1]
    if d == 0:
        return 0.0
    if min(len(real), len(fake)) < d:
        warnings.warn(
            f"Fewer samples ({len(real)} real, {len(fake)} fake) than feature dimensions ({d}): "
            "the covariance estimates are singular and the Fréchet distance is unreliable.",
            stacklevel=2,
        )
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    sigma1 = np.atleast_2d(np.cov(real, rowvar=False))
    sigma2 = np.atleast_2d(np.cov(fake, rowvar=False))
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        offset = 1e-6 * np.eye(d)
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def kernel_distance(
    real_features, fake_features, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> dict:
    """Kernel Inception Distance: unbiased MMD², cubic polynomial kernel (Binkowski et al. 2018).

    k(x, y) = (x·y / d + 1)³ and, for subsets X, Y of size m drawn without replacement,
    MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m².
    The estimate is averaged over num_subsets random subsets.

    Args:
        real_features: [n, d] array or tensor of features of real samples.
        fake_features: [m, d] array or tensor of features of generated samples.
        num_subsets: number of random subsets to average over.
        subset_size: size of each subset, capped at the smaller of n and m.
        seed: seed of the NumPy generator that draws the subsets.

    Returns:
        {"mean": mean of MMD²ᵤ over subsets, "std": its standard deviation}, Python floats.

    Raises:
        ValueError: if the inputs are not rank 2 with matching feature sizes and >= 2 rows, or
            num_subsets < 1.
    """
    real, fake = _feature_pair(real_features, fake_features, min_rows=2)
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}.")
    m = max(2, min(subset_size, len(real), len(fake)))
    d = real.shape[1]
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for s in range(num_subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        k_xx = (x @ x.T / d + 1.0) ** 3
        k_yy = (y @ y.T / d + 1.0) ** 3
        k_xy = (x @ y.T / d + 1.0) ** 3
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        estimates[s] = within - 2.0 * k_xy.mean()
    return {"mean": float(estimates.mean()), "std": float(estimates.std())}


def classifier_score(probs_or_logits, from_logits: bool = False) -> float:
    """Classifier (Inception) score exp(E_x[KL(p(y|x) ‖ p(y))]) (Salimans et al. 2016).

    p(y) is the mean of p(y|x) over the samples; 0·log 0 is taken as 0. The score lies in
    [1, C] for C classes: 1 when every sample gets the same distribution, C when predictions are
    confident (one-hot) and spread evenly over the classes.

    Args:
        probs_or_logits: [n, C] class probabilities (rows summing to 1) or logits.
        from_logits: whether the input holds logits, turned into probabilities with a softmax.

    Returns:
        The score as a Python float.

    Raises:
        ValueError: if the input is not a non-empty rank-2 array.
    """
    probs = _class_probs(probs_or_logits, from_logits)
    marginal = probs.mean(axis=0, keepdims=True)
    safe = np.where(probs > 0, probs, 1.0)
    kl = np.sum(np.where(probs > 0, probs * (np.log(safe) - np.log(marginal)), 0.0), axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probs_or_logits, num_classes: int | None = None) -> np.ndarray:
    """Share of samples whose most likely class (argmax) is each class; the shares sum to 1.

    Args:
        probs_or_logits: [n, C] class probabilities or logits (the argmax is the same).
        num_classes: length of the histogram; defaults to C.

    Returns:
        A float64 array of shape [num_classes].

    Raises:
        ValueError: if the input is not a non-empty rank-2 array or num_classes is below C.
    """
    probs = _class_probs(probs_or_logits, from_logits=False)
    num_classes = probs.shape[1] if num_classes is None else num_classes
    if num_classes < probs.shape[1]:
        raise ValueError(f"num_classes={num_classes} is below the {probs.shape[1]} input columns.")
    return np.bincount(np.argmax(probs, axis=1), minlength=num_classes) / len(probs)


def precision_recall_density_coverage(
    real_features, fake_features, k: int = 5, batch_size: int = 1024
) -> dict:
    """Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020).

    With r(x) the distance from x to its k-th nearest neighbour in its own set (x excluded) and
    B(x, r) the closed ball, for N real points Xᵢ and M fake points Yⱼ:
    precision = 1/M Σⱼ 1[∃i: Yⱼ ∈ B(Xᵢ, r(Xᵢ))], recall = 1/N Σᵢ 1[∃j: Xᵢ ∈ B(Yⱼ, r(Yⱼ))],
    density = 1/(kM) Σⱼ Σᵢ 1[Yⱼ ∈ B(Xᵢ, r(Xᵢ))], coverage = 1/N Σᵢ 1[∃j: Yⱼ ∈ B(Xᵢ, r(Xᵢ))].
    Pairwise distances are computed batch_size rows at a time to bound memory.

    Args:
        real_features: [N, d] array or tensor of features of real samples.
        fake_features: [M, d] array or tensor of features of generated samples.
        k: the neighbour that sets each ball's radius.
        batch_size: rows per block of the distance matrix.

    Returns:
        {"precision", "recall", "density", "coverage"} as Python floats.

    Raises:
        ValueError: if the inputs are not rank 2 with matching feature sizes, or either set has
            k or fewer points.
    """
    real, fake = _feature_pair(real_features, fake_features, min_rows=k + 1)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    real_radii = _knn_radii(real, k, batch_size)
    fake_radii = _knn_radii(fake, k, batch_size)
    # One pass over blocks of fake rows: each fake-real distance is computed once.
    in_real_balls = np.empty(len(fake), dtype=np.int64)  # per fake point: how many real balls
    recalled = np.zeros(len(real), dtype=bool)  # per real point: inside some fake ball
    nearest_fake = np.full(len(real), np.inf)
    for start in range(0, len(fake), batch_size):
        block = slice(start, start + batch_size)
        dist = scipy.spatial.distance.cdist(fake[block], real)
        in_real_balls[block] = np.sum(dist <= real_radii[None, :], axis=1)
        recalled |= np.any(dist <= fake_radii[block, None], axis=0)
        nearest_fake = np.minimum(nearest_fake, dist.min(axis=0))
    covered = nearest_fake <= real_radii
    return {
        "precision": float(np.mean(in_real_balls > 0)),
        "recall": float(np.mean(recalled)),
        "density": float(in_real_balls.sum() / (k * len(fake))),
        "coverage": float(np.mean(covered)),
    }


def parzen_log_likelihood(
    samples,
    test_images,
    validation_images,
    sigmas=np.logspace(-1, 0, 10),
    batch_size: int = 256,
) -> dict:
    """Gaussian Parzen-window log-likelihood of test data (Goodfellow et al. 2014; Breuleux et al.).

    Images in [-1, 1] are mapped to pixels in [0, 1] and flattened to d values. With the N
    samples sᵢ as kernel centres and an isotropic width σ,
    log p(x) = logsumexp_i(−‖x − sᵢ‖² / (2σ²)) − log N − d·log(σ√(2π)).
    σ is the value in sigmas that maximises the mean log-likelihood of validation_images; the
    result is the mean over test_images at that σ and its standard error std/√n. Squared
    distances ‖x‖² − 2x·s + ‖s‖² come from float32 TensorFlow matrix products, batch_size test
    images at a time; the log-sum-exp is done in float64.

    Args:
        samples: [N, ...] generated images in [-1, 1].
        test_images: [n, ...] held-out images in [-1, 1] to score.
        validation_images: [v, ...] images in [-1, 1] used to choose σ.
        sigmas: candidate kernel widths, in pixel units of [0, 1].
        batch_size: test images per block of the distance matrix.

    Returns:
        {"mean", "std_error", "sigma"} as Python floats.

    Raises:
        ValueError: if the image sets are empty, differ in size per image, or sigmas is empty or
            not positive.
    """
    centres, test, validation = (
        _parzen_images(x, name)
        for x, name in (
            (samples, "samples"),
            (test_images, "test_images"),
            (validation_images, "validation_images"),
        )
    )
    if not test.shape[1] == validation.shape[1] == centres.shape[1]:
        raise ValueError(
            f"Images differ in size: samples {centres.shape[1]}, test {test.shape[1]}, "
            f"validation {validation.shape[1]} values per image."
        )
    sigmas = np.atleast_1d(np.asarray(sigmas, dtype=np.float64))
    if sigmas.size == 0 or np.any(sigmas <= 0):
        raise ValueError(f"sigmas must be a non-empty list of positive widths, got {sigmas}.")
    centres = tf.constant(centres)
    validation_ll = _parzen_log_likelihoods(centres, validation, sigmas, batch_size)
    sigma = sigmas[int(np.argmax(validation_ll.mean(axis=0)))]
    test_ll = _parzen_log_likelihoods(centres, test, sigma[None], batch_size)[:, 0]
    return {
        "mean": float(test_ll.mean()),
        "std_error": float(test_ll.std() / np.sqrt(len(test_ll))),
        "sigma": float(sigma),
    }


def sliced_wasserstein_to_circle(
    points, radius: float = 1.0, num_projections: int = 64, seed: int = 0
) -> float:
    """Sliced Wasserstein-1 distance between [n, 2] points and the uniform circle of that radius.

    For random unit directions θ, the points and n evenly spaced points on the circle are
    projected onto θ; the 1-D W₁ distance is the mean |difference| of the sorted projections.
    The result is the mean over num_projections directions.

    Args:
        points: [n, 2] array or tensor of samples.
        radius: radius of the target circle.
        num_projections: number of random directions.
        seed: seed of the NumPy generator that draws the directions.

    Returns:
        The distance as a Python float.

    Raises:
        ValueError: if points is not a finite [n, 2] array with n > 0.
    """
    points = _points(points)
    n = len(points)
    angles = np.random.default_rng(seed).uniform(0.0, 2 * np.pi, size=num_projections)
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=0)  # [2, num_projections]
    circle = radius * np.stack(
        [np.cos(2 * np.pi * np.arange(n) / n), np.sin(2 * np.pi * np.arange(n) / n)], axis=1
    )
    projected = np.sort(points @ directions, axis=0)
    reference = np.sort(circle @ directions, axis=0)
    return float(np.mean(np.abs(projected - reference)))


def _feature_pair(real_features, fake_features, min_rows: int):
    real = np.asarray(real_features, dtype=np.float64)
    fake = np.asarray(fake_features, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"Expected features of shape [n, d] and [m, d], got {real.shape} and {fake.shape}."
        )
    if min(len(real), len(fake)) < min_rows:
        raise ValueError(
            f"Need at least {min_rows} feature rows per set, got {len(real)} and {len(fake)}."
        )
    return real, fake


def _class_probs(probs_or_logits, from_logits: bool) -> np.ndarray:
    values = np.asarray(probs_or_logits, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(
            f"Expected class scores of shape [n, C] with n, C > 0, got {values.shape}."
        )
    if from_logits:
        values = np.exp(values - values.max(axis=1, keepdims=True))
        values /= values.sum(axis=1, keepdims=True)
    return values


def _knn_radii(features: np.ndarray, k: int, batch_size: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row (column 0 of a sorted row is itself)."""
    radii = np.empty(len(features))
    for start in range(0, len(features), batch_size):
        dist = scipy.spatial.distance.cdist(features[start : start + batch_size], features)
        radii[start : start + batch_size] = np.partition(dist, k, axis=1)[:, k]
    return radii


def _parzen_images(images, name: str) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"Expected {name} of shape [n, ...] with n > 0, got {images.shape}.")
    return ((images.reshape(len(images), -1) + 1.0) / 2.0).astype(np.float32)


def _parzen_log_likelihoods(
    centres: tf.Tensor, images: np.ndarray, sigmas: np.ndarray, batch_size: int
) -> np.ndarray:
    """[n, len(sigmas)] Parzen log-likelihoods of flattened images in [0, 1]."""
    num_centres, d = centres.shape
    centre_norms = tf.reduce_sum(tf.square(centres), axis=1)
    log_norm = np.log(num_centres) + d * np.log(sigmas * np.sqrt(2 * np.pi))
    out = []
    for start in range(0, len(images), batch_size):
        x = tf.constant(images[start : start + batch_size])
        sq_dist = (
            tf.reduce_sum(tf.square(x), axis=1, keepdims=True)
            - 2.0 * tf.matmul(x, centres, transpose_b=True)
            + centre_norms[None, :]
        )
        sq_dist = tf.cast(tf.maximum(sq_dist, 0.0), tf.float64)
        log_sums = [tf.reduce_logsumexp(-sq_dist / (2.0 * sigma**2), axis=1) for sigma in sigmas]
        out.append(tf.stack(log_sums, axis=1).numpy() - log_norm[None, :])
    return np.concatenate(out, axis=0)
