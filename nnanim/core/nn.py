"""The multilayer perceptron: activations, losses, optimizers, forward and backward.

Pure NumPy, vectorised over the batch.  Layer ``l`` maps
``h_{l+1} = σ_l(W_l h_l + b_l)`` with ``W_l`` of shape ``(out, in)``; rows of
the batch are samples, so in code this is ``h @ W.T + b``.  The output layer
has no hidden activation: its logits go to the loss (sigmoid for two classes,
softmax for K classes, identity for regression and for an autoencoder, whose
output layer has the input's width and whose target is the input itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import erf, expit, logsumexp, softmax

__all__ = [
    "ACTIVATIONS",
    "LINEAR_L2",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Forward",
    "Loss",
    "Network",
    "Optimizer",
    "collapse_affine",
    "fit_linear_classifier",
    "fit_linear_regression",
    "get_activation",
    "init_network",
    "neighbour_r_squared",
    "r_squared",
    "make_optimizer",
]

Array = np.ndarray


# --------------------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """A pointwise nonlinearity with its derivative beside it.

    ``f(z)`` is the value, ``df(z)`` the derivative.  ``grad(z, h)`` is the
    derivative used in backpropagation, given both the pre-activation ``z`` and
    the already computed ``h = f(z)`` (tanh and sigmoid are cheaper from ``h``).
    ``init`` names the weight initialisation that suits it.

    ``apply_into`` and ``grad_into`` compute the same values into an existing
    array (training reuses its N×width arrays every epoch instead of allocating
    new ones).
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    init: str  # "xavier" or "he"
    summary: str
    _grad: Callable[[Array, Array], Array] | None = field(default=None, repr=False)
    _grad_into: Callable[[Array, Array], None] | None = field(default=None, repr=False)

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def grad(self, z: Array, h: Array) -> Array:
        return self._grad(z, h) if self._grad is not None else self.df(z)

    def apply_into(self, z: Array, out: Array) -> Array:
        """``f(z)`` written into ``out`` (which may be ``z`` itself)."""
        if isinstance(self.f, np.ufunc):
            return self.f(z, out=out)
        out[...] = self.f(z)
        return out

    def grad_into(self, z: Array, h: Array, out: Array) -> Array:
        """``grad(z, h)`` written into ``out``."""
        if self._grad_into is not None:
            self._grad_into(h, out)
        else:
            out[...] = self.grad(z, h)
        return out


BIAS_INIT = 0.1
LEAKY_SLOPE = 0.1  # larger than the usual 0.01 so that the fold is visible on screen
_SQRT2 = np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _gelu(z: Array) -> Array:
    return 0.5 * z * (1.0 + erf(z / _SQRT2))


def _dgelu(z: Array) -> Array:
    return 0.5 * (1.0 + erf(z / _SQRT2)) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


def _dtanh_into(h: Array, out: Array) -> None:
    np.multiply(h, h, out=out)
    np.subtract(1.0, out, out=out)  # 1 - h², the same two roundings as 1.0 - h * h


def _dsigmoid_into(h: Array, out: Array) -> None:
    np.subtract(1.0, h, out=out)
    out *= h  # h (1 - h)


def _elu(z: Array) -> Array:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _delu(z: Array) -> Array:
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "tanh", np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, "xavier",
            "hyperbolic tangent, squashes to (-1, 1)", lambda z, h: 1.0 - h * h,
            _dtanh_into,
        ),
        Activation(
            "sigmoid", expit, lambda z: expit(z) * (1.0 - expit(z)), "xavier",
            "logistic function, squashes to (0, 1)", lambda z, h: h * (1.0 - h),
            _dsigmoid_into,
        ),
        Activation(
            "relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype), "he",
            "max(0, x): folds the negative half-plane onto the axes",
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
            "he",
            f"x for x > 0, {LEAKY_SLOPE}·x otherwise",
        ),
        Activation("elu", _elu, _delu, "he", "x for x > 0, exp(x) - 1 otherwise"),
        Activation("gelu", _gelu, _dgelu, "he", "x·Φ(x), Gaussian error linear unit"),
        Activation(
            "softplus", lambda z: np.logaddexp(0.0, z), expit, "he",
            "log(1 + exp(x)), a smooth ReLU",
        ),
        Activation(
            "linear", lambda z: z, lambda z: np.ones_like(z), "xavier",
            "identity: the layer stays affine",
        ),
    ]
}


def get_activation(name: str | Activation) -> Activation:
    """Return the activation called ``name`` (a ``ValueError`` lists the valid names)."""
    if isinstance(name, Activation):
        return name
    key = name.strip().lower().replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS[key]


# --------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Loss:
    """A loss on the output layer's logits ``z`` (shape ``(N, out)``).

    ``value`` is the mean over samples; ``grad`` its gradient with respect to
    ``z``; ``output`` maps logits to what the network predicts (probabilities
    or values).  All are numerically stable for large logits.
    """

    task: str
    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    output: Callable[[Array], Array]


def _bce_value(z: Array, y: Array) -> float:
    z = z[:, 0]
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _bce_grad(z: Array, y: Array) -> Array:
    return (expit(z) - y[:, None]) / len(z)


def _ce_value(z: Array, y: Array) -> float:
    return float(np.mean(logsumexp(z, axis=1) - z[np.arange(len(z)), y]))


def _ce_grad(z: Array, y: Array) -> Array:
    g = softmax(z, axis=1)
    g[np.arange(len(z)), y] -= 1.0
    return g / len(z)


def _mse_value(z: Array, y: Array) -> float:
    return float(np.mean((z[:, 0] - y) ** 2))


def _mse_grad(z: Array, y: Array) -> Array:
    return 2.0 * (z - y[:, None]) / len(z)


def _reconstruction_value(z: Array, x: Array) -> float:
    return float(np.mean((z - x) ** 2))


def _reconstruction_grad(z: Array, x: Array) -> Array:
    return 2.0 * (z - x) / z.size


LOSSES: dict[str, Loss] = {
    "binary": Loss("binary", _bce_value, _bce_grad, lambda z: expit(z[:, 0])),
    "multiclass": Loss("multiclass", _ce_value, _ce_grad, lambda z: softmax(z, axis=1)),
    "regression": Loss("regression", _mse_value, _mse_grad, lambda z: z[:, 0]),
    # the target is the input (N, d): MSE averaged over samples and outputs
    "autoencoder": Loss("autoencoder", _reconstruction_value, _reconstruction_grad, lambda z: z),
}


# --------------------------------------------------------------------------- network


@dataclass
class Forward:
    """Every layer of one forward pass.

    ``pre[l]`` is ``W_l h_l + b_l`` and ``post[l]`` is ``h_{l+1}``; ``post[-1]``
    equals ``pre[-1]`` (the output layer's logits).  ``inputs`` is ``h_0``.
    ``work`` holds the backward pass's arrays once :meth:`Network.gradients`
    has run on this pass; they are reused with it (see ``Network.forward``).
    """

    inputs: Array
    pre: list[Array]
    post: list[Array]
    work: list[Array] = field(default_factory=list, repr=False, compare=False)

    @property
    def hidden(self) -> list[Array]:
        """``[h_0, h_1, ..., h_L]``: the input and every hidden representation."""
        return [self.inputs, *self.post[:-1]]

    @property
    def logits(self) -> Array:
        return self.pre[-1]


@dataclass
class Network:
    """An MLP: weights ``W_l (out, in)``, biases ``b_l (out,)``, one activation per hidden layer."""

    weights: list[Array]
    biases: list[Array]
    activations: list[Activation]
    task: str  # "binary" | "multiclass" | "regression" | "autoencoder"

    def __post_init__(self) -> None:
        self.activations = [get_activation(a) for a in self.activations]
        if len(self.weights) != len(self.biases) or len(self.activations) != len(self.weights) - 1:
            raise ValueError("need one activation per hidden layer and one bias per weight")
        if self.task not in LOSSES:
            raise ValueError(f"unknown task {self.task!r}; choose from {', '.join(LOSSES)}")

    @property
    def loss_fn(self) -> Loss:
        return LOSSES[self.task]

    @property
    def widths(self) -> list[int]:
        """``[d_in, hidden..., d_out]``."""
        return [self.weights[0].shape[1], *(W.shape[0] for W in self.weights)]

    def forward(self, X: Array, out: Forward | None = None) -> Forward:
        """Run the batch ``X (N, d)`` through every layer, keeping all of them.

        ``out``, a pass returned by an earlier call on a batch of the same
        shape, is overwritten and returned instead of allocating new arrays:
        training loops pass the previous epoch's pass.  (Freeing and allocating
        the N×width arrays every epoch made the C allocator return the memory
        to the system and page-fault it back in: about half of an epoch's time.)
        """
        X = np.asarray(X, dtype=float)
        shapes = [(len(X), W.shape[0]) for W in self.weights]
        reuse = out is not None and [z.shape for z in out.pre] == shapes
        pre: list[Array] = out.pre if reuse else []
        post: list[Array] = out.post if reuse else []
        last = len(self.weights) - 1
        h = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = np.matmul(h, W.T, out=pre[l] if reuse else None)
            z += b
            if l == last:
                h = z
            else:
                act = self.activations[l]
                h = act.apply_into(z, post[l]) if reuse else act.f(z)
            if not reuse:
                pre.append(z)
                post.append(h)
        if reuse:
            out.inputs = X
            return out
        return Forward(X, pre, post)

    def target(self, X: Array, y: Array) -> Array:
        """What the loss compares the output with: ``y``, or the inputs ``X`` for an autoencoder."""
        return np.asarray(X, dtype=float) if self.task == "autoencoder" else y

    @property
    def code_layer(self) -> int:
        """The index ``l`` of the narrowest hidden layer ``h_{l+1}`` (the first if tied): the code."""
        hidden = self.widths[1:-1]
        if not hidden:
            raise ValueError("a network without hidden layers has no code")
        return int(np.argmin(hidden))

    def encode(self, X: Array) -> Array:
        """``(N, k)``: the narrowest hidden layer's activations, the autoencoder's code."""
        return self.forward(X).post[self.code_layer]

    def reconstruction_error(self, X: Array) -> float:
        """An autoencoder's mean squared error ``mean((x̂ − x)²)`` over samples and outputs."""
        if self.task != "autoencoder":
            return float("nan")
        X = np.asarray(X, dtype=float)
        return float(np.mean((self.forward(X).logits - X) ** 2))

    def predict_output(self, X: Array) -> Array:
        """Probabilities (``(N,)`` for binary, ``(N, K)`` for K classes), regression values,
        or an autoencoder's reconstruction ``(N, d)``."""
        return self.loss_fn.output(self.forward(X).logits)

    def predict(self, X: Array) -> Array:
        """Class labels (int) or regression values."""
        return self.labels_from_logits(self.forward(X).logits)

    def labels_from_logits(self, z: Array) -> Array:
        if self.task == "binary":
            return (z[:, 0] > 0).astype(np.int64)
        if self.task == "multiclass":
            return np.argmax(z, axis=1).astype(np.int64)
        if self.task == "autoencoder":
            return z
        return z[:, 0]

    def accuracy(self, X: Array, y: Array) -> float:
        if self.task in ("regression", "autoencoder"):
            return float("nan")
        return float(np.mean(self.predict(X) == y))

    def r_squared(self, X: Array, y: Array) -> float:
        """R² of a regression network's output on ``(X, y)`` (nan for classifiers)."""
        if self.task != "regression":
            return float("nan")
        return r_squared(y, self.predict(X))

    def loss(self, X: Array, y: Array, l2: float = 0.0) -> float:
        """The training loss on ``(X, y)`` (an autoencoder's target is ``X``; ``y`` is ignored)."""
        return self.loss_from_logits(self.forward(X).logits, self.target(X, y), l2)

    def loss_from_logits(self, z: Array, y: Array, l2: float = 0.0) -> float:
        """The loss of logits ``z`` already computed (``+ λ/2 Σ‖W‖²`` when ``l2`` is set)."""
        value = self.loss_fn.value(z, y)
        if l2:
            value += 0.5 * l2 * sum(float(np.sum(W * W)) for W in self.weights)
        return value

    def _backward(self, fwd: Forward, delta: Array) -> Iterator[tuple[int, Array]]:
        """Backpropagate ``δ = ∂f/∂z`` from the logits: yields ``(l, ∂f/∂(W_l h_l + b_l))``.

        Layers come last to first; each yielded array is overwritten later on
        (the N×width arrays live in ``fwd.work`` and are reused with ``fwd``).
        """
        work = fwd.work
        if [w.shape for w in work[::2]] != [z.shape for z in fwd.pre[:-1]]:
            # per hidden layer: the back-propagated delta and the activation's derivative
            work[:] = [np.empty_like(z) for z in fwd.pre[:-1] for _ in range(2)]
        for l in range(len(self.weights) - 1, -1, -1):
            yield l, delta
            if l:
                if delta.shape[1] == 1:  # an outer product: broadcasting gives the same
                    # products as the matrix product, several times faster
                    delta = np.multiply(delta, self.weights[l], out=work[2 * l - 2])
                else:
                    delta = np.matmul(delta, self.weights[l], out=work[2 * l - 2])
                act = self.activations[l - 1]
                delta *= act.grad_into(fwd.pre[l - 1], fwd.post[l - 1], work[2 * l - 1])

    def gradients(
        self, X: Array, y: Array, l2: float = 0.0, fwd: Forward | None = None
    ) -> tuple[float, list[Array], list[Array], Forward]:
        """Loss and its gradients ``dL/dW_l``, ``dL/db_l`` by backpropagation.

        The backward pass's N×width arrays are kept in ``fwd.work`` and reused
        when the same ``fwd`` comes back (see :meth:`forward`).
        """
        fwd = fwd if fwd is not None else self.forward(X)
        y = self.target(fwd.inputs, y)
        loss = self.loss_from_logits(fwd.logits, y, l2)
        hidden = fwd.hidden
        L = len(self.weights)
        gW: list[Array] = [None] * L  # type: ignore[list-item]
        gb: list[Array] = [None] * L  # type: ignore[list-item]
        for l, delta in self._backward(fwd, self.loss_fn.grad(fwd.logits, y)):
            gW[l] = delta.T @ hidden[l]
            if l2:
                gW[l] += l2 * self.weights[l]
            gb[l] = delta.sum(axis=0)
        return loss, gW, gb, fwd

    def input_gradient(self, X: Array, C: Array, fwd: Forward | None = None) -> Array:
        """``∂(Σ_k C_k z_k)/∂x`` at every point: the input gradient of a weighted sum of logits.

        ``C`` is ``(N, K)`` (a weighting per point) or ``(K,)`` (one for all);
        ``fwd``, the forward pass of ``X`` if already computed.  Returns
        ``(N, d_in)``.  ``C = [1]`` gives the gradient of the binary logit,
        ``C = e_i − e_j`` that of ``z_i − z_j``.
        """
        fwd = fwd if fwd is not None else self.forward(X)
        C = np.broadcast_to(np.asarray(C, dtype=float), fwd.logits.shape)
        *_, (_, first) = self._backward(fwd, C)  # the last δ yielded is layer 0's
        return first @ self.weights[0]

    def on_plane(self, origin: Array, basis: Array) -> Network:
        """The network restricted to the plane ``x = origin + p·basis`` (``basis`` ``(2, d)``): a
        network of 2 inputs, exactly equal there (the first layer absorbs the plane:
        ``W₀ basisᵀ`` and ``b₀ + W₀ origin``).  For drawing a wide input's decisions over its
        principal plane with the 2-D tools (boundaries, shading, level curves)."""
        W0, b0 = self.weights[0], self.biases[0]
        basis = np.asarray(basis, dtype=float)
        return Network([W0 @ basis.T, *[W.copy() for W in self.weights[1:]]],
                       [b0 + W0 @ np.asarray(origin, dtype=float), *[b.copy() for b in self.biases[1:]]],
                       list(self.activations), self.task)

    def copy(self) -> Network:
        return Network(
            [W.copy() for W in self.weights],
            [b.copy() for b in self.biases],
            list(self.activations),
            self.task,
        )


def init_network(
    widths: Sequence[int],
    activations: Sequence[str | Activation],
    task: str,
    rng: np.random.Generator,
) -> Network:
    """Random weights by activation (He for the ReLU family, Xavier/Glorot otherwise).

    ``widths`` is ``[d_in, hidden..., d_out]``; the output layer uses Xavier.
    Biases start small but not zero (uniform in ±0.1): with zero biases a
    network of odd activations (tanh) is an odd function, and on point-symmetric
    data such as XOR the bias gradients cancel, so training stalls on a saddle.
    """
    acts = [get_activation(a) for a in activations]
    weights, biases = [], []
    for l in range(len(widths) - 1):
        fan_in, fan_out = widths[l], widths[l + 1]
        scheme = acts[l].init if l < len(acts) else "xavier"
        std = np.sqrt(2.0 / fan_in) if scheme == "he" else np.sqrt(2.0 / (fan_in + fan_out))
        weights.append(rng.normal(0.0, std, size=(fan_out, fan_in)))
        biases.append(rng.uniform(-BIAS_INIT, BIAS_INIT, size=fan_out))
    return Network(weights, biases, acts, task)


# --------------------------------------------------------------------------- optimizers


class Optimizer:
    """Updates a list of parameter arrays in place from their gradients."""

    name = "sgd"

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, params: list[Array], grads: list[Array]) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g

    def settings(self) -> dict:
        return {"name": self.name, "lr": self.lr}


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta
        self.velocity: list[Array] | None = None

    def step(self, params: list[Array], grads: list[Array]) -> None:
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.beta
            v -= self.lr * g
            p += v

    def settings(self) -> dict:
        return {**super().settings(), "beta": self.beta}


class Adam(Optimizer):
    name = "adam"

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: list[Array] | None = None
        self.v: list[Array] | None = None

    def step(self, params: list[Array], grads: list[Array]) -> None:
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Same arithmetic as PyTorch's Adam, so the two can be compared step for step.
        step = self.lr / (1.0 - b1**self.t)
        root_bc2 = np.sqrt(1.0 - b2**self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= step * m / (np.sqrt(v) / root_bc2 + self.eps)

    def settings(self) -> dict:
        return {**super().settings(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": Optimizer, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, lr: float) -> Optimizer:
    key = name.strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"learning rate must be a positive number, got {lr}")
    return OPTIMIZERS[key](lr)


# --------------------------------------------------------------------------- linear baseline

#: L2 penalty of :func:`fit_linear_classifier`: tiny, so it only keeps separable data finite
LINEAR_L2 = 1e-6


def fit_linear_classifier(
    X: Array, y: Array, n_classes: int, l2: float = LINEAR_L2
) -> tuple[Array, Array]:
    """The best straight line(s) through raw inputs: logistic regression, fitted exactly.

    Minimises the same losses as the network's output layer (:data:`LOSSES`)
    on the logits ``z = X Wᵀ + b``: binary cross-entropy on one logit for two
    classes, softmax cross-entropy on ``K`` logits for ``K > 2`` (multinomial),
    plus ``l2/2 (‖W‖² + ‖b‖²)``.  The penalty is tiny; it keeps the optimum
    finite when the classes are linearly separable (or one class is absent)
    and makes it unique for ``K`` logits (only their differences matter to
    the loss).  The loss is convex, so the L-BFGS optimum (SciPy, analytic
    gradient) is the global one.

    Parameters
    ----------
    X : (N, d) array
        Inputs.
    y : (N,) int array
        Labels ``0 .. n_classes-1``.
    n_classes : int
        ``K ≥ 2``.

    Returns
    -------
    W : (1, d) array for two classes, (K, d) for K > 2
    b : (1,) or (K,) array
        Class 1 where ``X Wᵀ + b > 0`` (binary), else the largest logit.
    """
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(np.int64)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"expected X (N, d) and y (N,), got shapes {X.shape} and {y.shape}")
    if n_classes < 2 or (len(y) and (y.min() < 0 or y.max() >= n_classes)):
        raise ValueError(f"labels must be 0..{n_classes - 1} with n_classes >= 2")
    loss = LOSSES["binary" if n_classes == 2 else "multiclass"]
    out, d = (1 if n_classes == 2 else n_classes), X.shape[1]

    def objective(theta: Array) -> tuple[float, Array]:
        W, b = theta[: out * d].reshape(out, d), theta[out * d :]
        z = X @ W.T + b
        g = loss.grad(z, y)  # dL/dz, already divided by N
        value = loss.value(z, y) + 0.5 * l2 * float(theta @ theta)
        grad = np.concatenate([(g.T @ X).ravel(), g.sum(axis=0)]) + l2 * theta
        return value, grad

    res = minimize(objective, np.zeros(out * (d + 1)), jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "gtol": 1e-10, "ftol": 1e-15})
    theta = res.x
    return theta[: out * d].reshape(out, d).copy(), theta[out * d :].copy()


def fit_linear_regression(X: Array, y: Array) -> tuple[Array, Array]:
    """The best linear fit through raw inputs, ``ŷ = X Wᵀ + b``: ordinary least squares.

    Returns ``W (1, d)`` and ``b (1,)``, the same shapes as a regression
    network's output layer (minimum-norm solution if the inputs are collinear).
    """
    X = np.asarray(X, dtype=float)
    A = np.column_stack([X, np.ones(len(X))])
    theta, *_ = np.linalg.lstsq(A, np.asarray(y, dtype=float).ravel(), rcond=None)
    return theta[None, :-1].copy(), theta[-1:].copy()


def collapse_affine(net: Network) -> tuple[Array, Array]:
    """``(W, b)`` of the one affine map a network without activations is: logits ``x Wᵀ + b``.

    A stack of affine maps is one affine map: ``W = W_L ⋯ W_1 W_0`` and
    ``b = W_L (⋯ (W_1 b_0 + b_1) ⋯) + b_L``, whatever the depth.  ``ValueError``
    if a hidden layer has an activation other than ``linear``.
    """
    bent = [a.name for a in net.activations if a.name != "linear"]
    if bent:
        raise ValueError(f"only a network with linear activations collapses to one affine map; "
                         f"this one has {', '.join(dict.fromkeys(bent))}")
    W, b = net.weights[0].copy(), net.biases[0].copy()
    for Wl, bl in zip(net.weights[1:], net.biases[1:]):
        W, b = Wl @ W, Wl @ b + bl
    return W, b


def r_squared(y: Array, y_hat: Array) -> float:
    """The coefficient of determination ``1 − SS_res / SS_tot`` (1 for a perfect fit).

    A constant target (``SS_tot = 0``) gives 1.0 for a perfect fit and 0.0 otherwise.
    """
    y = np.asarray(y, dtype=float).ravel()
    y_hat = np.asarray(y_hat, dtype=float).ravel()
    ss_res = float(np.sum((y - y_hat) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def neighbour_r_squared(Z: Array, t: Array, k: int = 10) -> float:
    """How well the points' positions ``Z (N, m)`` keep the value ``t``: R² of a neighbour vote.

    Each point's ``t`` is predicted by the mean ``t`` of its ``k`` nearest
    other points in ``Z`` (Euclidean, leave-one-out), and :func:`r_squared`
    scores the predictions.  Near 1 when points close in ``Z`` have close ``t``
    (an autoencoder's code that lies unrolled along ``t``); low when the code
    folds distant ``t`` onto the same place.
    """
    from scipy.spatial import cKDTree

    Z = np.asarray(Z, dtype=float)
    t = np.asarray(t, dtype=float).ravel()
    if Z.ndim != 2 or len(Z) != len(t):
        raise ValueError(f"expected Z (N, m) and t (N,), got shapes {Z.shape} and {t.shape}")
    k = min(int(k), len(Z) - 1)
    if k < 1:
        raise ValueError("need at least two points")
    _, idx = cKDTree(Z).query(Z, k=k + 1)
    # drop each point itself; with duplicates it may not come first, so remove it by index
    own = idx == np.arange(len(Z))[:, None]
    keep = np.where(own.any(axis=1)[:, None], ~own, np.arange(k + 1)[None, :] < k)
    neighbours = idx[keep].reshape(len(Z), k)
    return r_squared(t, t[neighbours].mean(axis=1))
