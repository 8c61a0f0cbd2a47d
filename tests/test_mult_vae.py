"""mult_vae against independent references on tiny data: the gradients
against central finite differences of a loss written here user by user, one
Adam step against its formula, the lists against a forward pass written
here, and the training against planted tastes."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs.models.mult_vae import WEIGHT_NAMES, Adam, fit_mult_vae, init_weights, loss_and_gradients
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


def loss_by_loops(w, x, keep, eps, beta):
    """The module docstring's loss, one user at a time, in float64."""
    total = 0.0
    for u in range(x.shape[0]):
        norm = math.sqrt(sum(v * v for v in x[u]))
        inputs = np.array([x[u, a] / norm * keep[u, a] for a in range(x.shape[1])])
        h = np.tanh(inputs @ w["W1"] + w["b1"])
        mu, logvar = h @ w["Wm"] + w["bm"], h @ w["Wv"] + w["bv"]
        z = mu + eps[u] * np.exp(logvar / 2)
        logits = np.tanh(z @ w["W2"] + w["b2"]) @ w["W3"] + w["b3"]
        log_softmax = [v - math.log(sum(math.exp(t) for t in logits)) for v in logits]
        nll = -sum(x[u, a] * log_softmax[a] for a in range(x.shape[1]))
        kl = 0.5 * sum(math.exp(lv) + m * m - 1 - lv for m, lv in zip(mu, logvar))
        total += nll + beta * kl
    return total / x.shape[0]


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_gradients_match_finite_differences_of_the_loss(beta):
    rng = np.random.default_rng(5)
    x = (rng.random((4, 7)) < 0.5).astype(float)
    x[:, 0] = 1.0  # no empty row
    keep = np.where(rng.random(x.shape) < 0.7, 1 / 0.7, 0.0) * x
    eps = rng.standard_normal((4, 3))
    w = init_weights(rng, 7, 5, 3, dtype=np.float64)
    for name in ("b1", "bm", "bv", "b2", "b3"):  # non-zero biases, so that their gradients are exercised
        w[name] = rng.normal(0, 0.3, w[name].shape)
    loss, grads = loss_and_gradients(w, sp.csr_matrix(x), sp.csr_matrix(keep), eps, beta)
    assert loss == pytest.approx(loss_by_loops(w, x, keep, eps, beta), rel=1e-10)
    assert set(grads) == set(WEIGHT_NAMES)
    step = 1e-6
    for name in WEIGHT_NAMES:
        numeric = np.zeros_like(w[name])
        for index in np.ndindex(w[name].shape):
            saved = w[name][index]
            w[name][index] = saved + step
            up = loss_by_loops(w, x, keep, eps, beta)
            w[name][index] = saved - step
            down = loss_by_loops(w, x, keep, eps, beta)
            w[name][index] = saved
            numeric[index] = (up - down) / (2 * step)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_one_adam_step_is_the_formula():
    weights = {"a": np.array([1.0, -2.0, 0.5])}
    grads = {"a": np.array([0.3, -0.1, 0.0])}
    Adam(weights, learning_rate=0.01).step(weights, grads)
    # first step: m_hat = g, v_hat = g^2, so the update is rate * g / (|g| + 1e-8)
    np.testing.assert_allclose(weights["a"], [1.0 - 0.01 * 0.3 / (0.3 + 1e-8), -2.0 + 0.01 * 0.1 / (0.1 + 1e-8), 0.5])


def forward_scores(model, plays):
    """softmax(decoder(mu)) over the head, for every user, written here."""
    w = {k: v.astype(np.float64) for k, v in model.weights.items()}
    x = (plays[:, model.head] > 0).astype(float)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    h = np.tanh(np.divide(x, norm, out=np.zeros_like(x), where=norm > 0) @ w["W1"] + w["b1"])
    logits = np.tanh((h @ w["Wm"] + w["bm"]) @ w["W2"] + w["b2"]) @ w["W3"] + w["b3"]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    scores = np.zeros(plays.shape)
    scores[:, model.head] = probs / probs.sum(axis=1, keepdims=True)
    return scores


def test_lists_are_the_top_unplayed_of_the_decoder_softmax():
    plays = random_plays(8, 25, 14, density=0.3, cold=[3])
    plays[:, 13] = 0
    plays[0, 13] = 5  # one listener: not in the head, never recommended
    model = fit_mult_vae(inputs_from(plays), np.random.default_rng(1), hidden=6, latent=3, epochs=3, batch_size=10)
    assert 13 not in model.head and len(model.head) == 13
    expected = naive_lists(forward_scores(model, plays), plays > 0, [u for u in range(25) if u != 3], 5)
    assert_same_lists(as_lists(model.recommend(np.arange(25), 5)), expected, rel=1e-4)
    assert 3 not in as_lists(model.recommend(np.array([3]), 5)), "a user without plays gets no list"


def test_training_learns_planted_tastes():
    """Two groups of users, each playing 5 of its own 10 artists: the lists
    hold only the own group's artists; the same seed gives the same lists."""
    rng = np.random.default_rng(3)
    plays = np.zeros((80, 20), dtype=int)
    for u in range(80):
        own = np.arange(10) + (10 if u >= 40 else 0)
        plays[u, rng.choice(own, 5, replace=False)] = rng.integers(1, 50, 5)
    fit = lambda: fit_mult_vae(inputs_from(plays), np.random.default_rng(0), hidden=16, latent=4,  # noqa: E731
                               epochs=60, batch_size=20, learning_rate=0.01, beta=0.1)
    lists = as_lists(fit().recommend(np.arange(80), 3))
    assert set(lists) == set(range(80))
    for u, recs in lists.items():
        assert all((a >= 10) == (u >= 40) for a, _ in recs), (u, recs)
    assert lists == as_lists(fit().recommend(np.arange(80), 3))


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(4, 6, 5))
    with pytest.raises(ValueError, match="dropout: expected a number in \\[0, 1\\), found 1.0"):
        fit_mult_vae(inputs, np.random.default_rng(0), dropout=1.0)
    with pytest.raises(ValueError, match="hidden: expected an integer >= 1, found 0"):
        fit_mult_vae(inputs, np.random.default_rng(0), hidden=0)
