"""mult_vae: the variational autoencoder for collaborative filtering with a
multinomial likelihood (Liang, Krishnan, Hoffman & Jebara 2018, "Variational
Autoencoders for Collaborative Filtering"), in numpy with its own gradients.

On the ``artists`` most listened artists with two listeners or more (as
ease's head: ties by index; the rest are never recommended), with x_u the
user's binary played row over them::

    encoder   h   = tanh(dropout(x_u / ||x_u||) W1 + b1)         (hidden)
              mu  = h Wm + bm,  logvar = h Wv + bv               (latent)
    sample    z   = mu + eps * exp(logvar / 2),  eps ~ N(0, I)  (training only)
    decoder   g   = tanh(z W2 + b2),  logits = g W3 + b3        (hidden, artists)
    loss      - sum_a x_ua log softmax(logits)_a
              + beta * 1/2 sum_k (exp(logvar_k) + mu_k^2 - 1 - logvar_k)

averaged over each batch of ``batch_size`` users (shuffled every epoch),
minimised by Adam (``learning_rate``) for ``epochs`` epochs, beta annealed
linearly from 0 to ``beta`` over them (the paper's KL annealing), input
dropout ``dropout``, weights drawn Xavier-uniform from ``rng``. Scores
s(u, a) = softmax(logits(z = mu))_a, > 0 for every artist; recommends the
``top_n`` unplayed ones, ties by artist index. Users without plays among
the kept artists get no list.

Cost: every epoch multiplies each user's row by the decoder's hidden x
artists matrix: 2 x 3 x users x hidden x artists flops (at 359,347 users,
600 hidden and 10,000 artists about 6.5e12, minutes on 2 cores), so full
size wants the tuning's user budget (var eval_tuning_fit_users).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, ProgressReporter, dense_blocks, map_blocks
from lastfm_recs.checks import check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.ease import ease_head
from lastfm_recs.ranking import Recommendations, concat_recommendations, top_n_dense

#: The weights, in the order of ``loss_and_gradients``' gradients.
WEIGHT_NAMES = ("W1", "b1", "Wm", "bm", "Wv", "bv", "W2", "b2", "W3", "b3")


def init_weights(rng: np.random.Generator, artists: int, hidden: int, latent: int,
                 dtype=np.float32) -> dict[str, np.ndarray]:
    """Xavier-uniform matrices, zero biases."""
    def xavier(rows: int, cols: int) -> np.ndarray:
        bound = np.sqrt(6.0 / (rows + cols))
        return rng.uniform(-bound, bound, size=(rows, cols)).astype(dtype)

    return {"W1": xavier(artists, hidden), "b1": np.zeros(hidden, dtype),
            "Wm": xavier(hidden, latent), "bm": np.zeros(latent, dtype),
            "Wv": xavier(hidden, latent), "bv": np.zeros(latent, dtype),
            "W2": xavier(latent, hidden), "b2": np.zeros(hidden, dtype),
            "W3": xavier(hidden, artists), "b3": np.zeros(artists, dtype)}


def _normalised(x: sp.csr_matrix) -> sp.csr_matrix:
    """Each row divided by its L2 norm (zero rows stay zero)."""
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ x


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_gradients(weights: dict[str, np.ndarray], x: sp.csr_matrix, keep: sp.csr_matrix, eps: np.ndarray,
                       beta: float) -> tuple[float, dict[str, np.ndarray]]:
    """The batch's mean loss (module docstring) and its gradient by weight,
    for the binary rows ``x`` (B, A), the dropout as ``keep`` (B, A: 1 /
    (1 - dropout) where an input is kept, 0 where dropped, only on x's
    pattern) and the noise ``eps`` (B, latent)."""
    w = weights
    n = x.shape[0]
    inputs = _normalised(x).multiply(keep).tocsr()
    h = np.tanh(inputs @ w["W1"] + w["b1"])
    mu = h @ w["Wm"] + w["bm"]
    logvar = h @ w["Wv"] + w["bv"]
    std = np.exp(0.5 * logvar)
    z = mu + eps * std
    g = np.tanh(z @ w["W2"] + w["b2"])
    log_p = _log_softmax(g @ w["W3"] + w["b3"])
    dense_x = x.toarray()
    nll = -(dense_x * log_p).sum() / n
    kl = 0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar).sum() / n
    # backward, batch mean: d(-sum x log softmax)/d logits = softmax * sum(x) - x
    d_logits = (np.exp(log_p) * dense_x.sum(axis=1, keepdims=True) - dense_x) / n
    grads = {"W3": g.T @ d_logits, "b3": d_logits.sum(axis=0)}
    d_pre2 = (d_logits @ w["W3"].T) * (1.0 - g ** 2)
    grads["W2"], grads["b2"] = z.T @ d_pre2, d_pre2.sum(axis=0)
    d_z = d_pre2 @ w["W2"].T
    d_mu = d_z + beta * mu / n
    d_logvar = d_z * eps * 0.5 * std + beta * 0.5 * (np.exp(logvar) - 1.0) / n
    grads["Wm"], grads["bm"] = h.T @ d_mu, d_mu.sum(axis=0)
    grads["Wv"], grads["bv"] = h.T @ d_logvar, d_logvar.sum(axis=0)
    d_pre1 = (d_mu @ w["Wm"].T + d_logvar @ w["Wv"].T) * (1.0 - h ** 2)
    grads["W1"], grads["b1"] = np.asarray(inputs.T @ d_pre1), d_pre1.sum(axis=0)
    return float(nll + beta * kl), grads


class Adam:
    """Adam (Kingma & Ba 2015) on a dict of arrays, updated in place."""

    def __init__(self, weights: dict[str, np.ndarray], learning_rate: float,
                 beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8):
        self.rate, self.beta1, self.beta2, self.epsilon = learning_rate, beta1, beta2, epsilon
        self.first = {k: np.zeros_like(v) for k, v in weights.items()}
        self.second = {k: np.zeros_like(v) for k, v in weights.items()}
        self.steps = 0

    def step(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.steps += 1
        correction1 = 1.0 - self.beta1 ** self.steps
        correction2 = 1.0 - self.beta2 ** self.steps
        for name, grad in grads.items():
            m, v = self.first[name], self.second[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * grad
            v *= self.beta2
            v += (1.0 - self.beta2) * grad * grad
            weights[name] -= (self.rate * (m / correction1) / (np.sqrt(v / correction2) + self.epsilon)).astype(
                weights[name].dtype)


@dataclass(frozen=True)
class MultVae:
    """Fitted mult_vae: the weights, the kept artists ``head`` (indices into
    the catalogue) and each user's plays ``seen`` (n_users, A)."""

    weights: dict[str, np.ndarray]
    head: np.ndarray
    seen: sp.csr_matrix
    progress: Progress | None = None

    def scores(self, users: np.ndarray) -> np.ndarray:
        """(len(users), |head|) softmax probabilities from z = mu."""
        w = self.weights
        x = (self.seen[users][:, self.head] > 0).astype(np.float32)
        h = np.tanh(_normalised(x) @ w["W1"] + w["b1"])
        g = np.tanh((h @ w["Wm"] + w["bm"]) @ w["W2"] + w["b2"])
        return np.exp(_log_softmax(g @ w["W3"] + w["b3"]))

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.asarray(users, dtype=np.int64)
        users = users[self.seen[users][:, self.head].getnnz(axis=1) > 0]  # no plays among the head: no list

        def work(start: int, end: int) -> tuple[np.ndarray, ...]:
            block = users[start:end]
            row, rank, column, score = top_n_dense(self.scores(block), self.seen[block][:, self.head], top_n)
            return block[row], rank, self.head[column], score

        blocks = dense_blocks(len(users), len(self.head))
        return concat_recommendations(map_blocks(work, blocks, label="mult_vae: scoring", progress=self.progress))


def fit_mult_vae(inputs: ScoringInputs, rng: np.random.Generator, *, artists: int = 10000, hidden: int = 600,
                 latent: int = 200, epochs: int = 50, batch_size: int = 500, learning_rate: float = 1e-3,
                 beta: float = 0.2, dropout: float = 0.5, progress: Progress | None = None) -> MultVae:
    """mult_vae (module docstring)."""
    artists = check_count("artists", artists, 1)
    hidden = check_count("hidden", hidden, 1)
    latent = check_count("latent", latent, 1)
    epochs = check_count("epochs", epochs, 1)
    batch_size = check_count("batch_size", batch_size, 1)
    learning_rate = check_number("learning_rate", learning_rate, 0.0)
    beta = check_number("beta", beta, 0.0)
    dropout = check_number("dropout", dropout, 0.0)
    if dropout >= 1.0:
        raise ValueError(f"dropout: expected a number in [0, 1), found {dropout}")
    seen = sp.csr_matrix(inputs.plays)
    _, head = ease_head(seen.getnnz(axis=0), artists)
    played = (seen[:, head] > 0).astype(np.float32).tocsr()
    train_users = np.flatnonzero(played.getnnz(axis=1) > 0)
    weights = init_weights(rng, len(head), hidden, latent)
    optimiser = Adam(weights, learning_rate)
    report = ProgressReporter(progress, "mult_vae: training", epochs, unit="epochs")
    for epoch in range(epochs):
        annealed = beta * epoch / max(epochs - 1, 1)
        order = rng.permutation(train_users)
        for start in range(0, len(order), batch_size):
            x = played[order[start:start + batch_size]]
            keep = x.copy()
            keep.data = ((rng.random(x.nnz) >= dropout) / (1.0 - dropout)).astype(np.float32)
            eps = rng.standard_normal((x.shape[0], latent)).astype(np.float32)
            _, grads = loss_and_gradients(weights, x, keep, eps, annealed)
            optimiser.step(weights, grads)
        report.update(epoch + 1, (epoch + 1) / epochs)
    report.finish()
    return MultVae(weights=weights, head=head, seen=seen, progress=progress)
