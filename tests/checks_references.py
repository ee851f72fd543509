"""The reference solution of every exercise, as in the notebooks' solution cells, and what the
checker tests share: a stub, a crash, and `run`, which returns a checker's verdict and what it printed."""
import math
import time

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import Value, no_grad
from minigrad_course.checks.verdict import Verdict


def stub(*args, **kwargs):
    """An exercise not done yet, as the student edition has it."""
    raise NotImplementedError


def crashes(*args, **kwargs):
    """A learner's function that fails with another exception."""
    return 1 / 0


def run(check, *args, capsys):
    """The checker's verdict and what it printed; every answer must be a Verdict, which a notebook does
    not display (so a check cell shows only the printed message)."""
    result = check(*args)
    assert isinstance(result, Verdict), f"{check.__name__} returned {type(result).__name__}, not a Verdict"
    return result, capsys.readouterr().out


# --- notebook 00 -------------------------------------------------------------------------------

def slope(x1, y1, x2, y2):
    return (y2 - y1) / (x2 - x1)


# --- notebook 01 -------------------------------------------------------------------------------

def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def dloss_dx(x):
    u = -3 * x
    v = 1 + math.exp(u)
    return (1 / v) * math.exp(u) * -3


def two_path_derivative(x):
    u, v = math.sin(x), x ** 2
    return math.exp(u) * v * math.cos(x), math.exp(u) * 2 * x


# --- notebook 02 -------------------------------------------------------------------------------

def neuron_gradients(x, w, b, y):
    t = math.tanh(w * x + b)
    dL_dn = 2.0 * (t - y) * (1.0 - t * t)
    return {"x": dL_dn * w, "w": dL_dn * x, "b": dL_dn}


def reuse_gradients(x, y):
    t = math.tanh(x * y)
    dL_dm = x * (1.0 - t * t)
    return {"x": t + dL_dm * y, "y": 1.0 + dL_dm * x}


# --- notebook 03 (the ops on minigrad.Value, which has the notebook's constructor) ------------------

def as_value(x):
    return x if isinstance(x, Value) else Value(x)


def sigmoid(self):
    s = 1.0 / (1.0 + math.exp(-self.data))
    return Value(s, (self,), (s * (1.0 - s),), "sigmoid")


def truediv(self, other):
    other = as_value(other)
    a, b = self.data, other.data
    return Value(a / b, (self, other), (1.0 / b, -a / b ** 2), "/")


def topological_order_kahn(root):
    nodes, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    pending = {node: 0 for node in nodes}
    for node in nodes:
        for child in node._prev:
            pending[child] += 1
    ready, root_first = [root], []
    while ready:
        node = ready.pop()
        root_first.append(node)
        for child in node._prev:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return root_first[::-1]


# --- notebook 04 -------------------------------------------------------------------------------

PARAM_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")


def hidden_deltas(W, b, v, c, x, y):
    hs = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + bj) for row, bj in zip(W, b)]
    p = 1 / (1 + math.exp(-(sum(vj * h for vj, h in zip(v, hs)) + c)))
    return [(p - y) * vj * (1 - h * h) for vj, h in zip(v, hs)]


def squared_error_gradients(P, x, y):
    h1 = math.tanh(P["w11"] * x[0] + P["w12"] * x[1] + P["b1"])
    h2 = math.tanh(P["w21"] * x[0] + P["w22"] * x[1] + P["b2"])
    d_out = 2 * (P["v1"] * h1 + P["v2"] * h2 + P["c"] - y)
    d1, d2 = d_out * P["v1"] * (1 - h1 ** 2), d_out * P["v2"] * (1 - h2 ** 2)
    return dict(w11=d1 * x[0], w12=d1 * x[1], w21=d2 * x[0], w22=d2 * x[1], b1=d1, b2=d2,
                v1=d_out * h1, v2=d_out * h2, c=d_out)


def xor_loss(V, x, y):
    """The 2-2-1 network's binary cross-entropy on one example, V a dict of Values."""
    h1 = (V["w11"] * x[0] + V["w12"] * x[1] + V["b1"]).tanh()
    h2 = (V["w21"] * x[0] + V["w22"] * x[1] + V["b2"]).tanh()
    p = (V["v1"] * h1 + V["v2"] * h2 + V["c"]).sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


def train_per_example(params, X, Y, lr, epochs):
    P = dict(params)
    for _ in range(epochs):
        for x, y in zip(X, Y):
            V = {k: Value(P[k]) for k in PARAM_NAMES}
            xor_loss(V, x, y).backward()
            P = {k: P[k] - lr * V[k].grad for k in PARAM_NAMES}
    return P


# --- notebook 05 -------------------------------------------------------------------------------

def leaky_relu(x, slope):
    return np.where(x > 0, x, slope * x)


def leaky_relu_grad(x, slope):
    return np.where(x > 0, 1.0, slope)


def silu_grad(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 + x * (1 - s))


def softmax_jacobian(z):
    e = np.exp(z - z.max())
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


# --- notebook 06 -------------------------------------------------------------------------------

def softmax_mse_grad(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    g = 2 * (p - np.eye(logits.shape[1])[targets]) / p.size
    return p * (g - (g * p).sum(axis=1, keepdims=True))


def bce_with_logits(z, y):
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def gradient_descent(f_and_grad, x0, lr, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * f_and_grad(x)[1]
        path.append(x.copy())
    return np.array(path)


# --- notebook 07 -------------------------------------------------------------------------------

def linear_backward_xw(X, W, G):
    return G @ W.T, X.T @ G, G.sum(axis=0)


def unbroadcast_to(g, shape):
    extra = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(extra))) if extra else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


def two_layer_backward(X, T, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    H = np.maximum(Z1, 0.0)
    dY = 2 * (H @ W2.T + b2 - T) / T.size
    dZ1 = (dY @ W2) * (Z1 > 0)
    return dZ1.T @ X, dZ1.sum(axis=0), dY.T @ H, dY.sum(axis=0)


# --- notebook 08 -------------------------------------------------------------------------------

def cross_entropy_backward(logits, targets):
    n = len(targets)
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(n), targets] -= 1.0
    return P / n


def mlp_backward(X, y, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    H = np.maximum(Z1, 0.0)
    dZ2 = cross_entropy_backward(H @ W2.T + b2, y)
    dZ1 = (dZ2 @ W2) * (Z1 > 0)
    return dZ1.T @ X, dZ1.sum(axis=0), dZ2.T @ H, dZ2.sum(axis=0)


def train_one_epoch(model, loader, optimizer):
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    return total / count


def grid_predictions(model, xlim, ylim, n):
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    model.eval()
    with no_grad():
        logits = model(mg.Tensor(points))
    return xs, ys, logits.numpy().argmax(axis=1).reshape(n, n)


# --- notebook 09 -------------------------------------------------------------------------------

def nesterov_step(p, g, buf, lr, momentum):
    buf = momentum * buf + g
    return p - lr * (g + momentum * buf), buf


def rmsprop_step(p, g, square_avg, lr, alpha, eps):
    square_avg = alpha * square_avg + (1 - alpha) * g ** 2
    return p - lr * g / (np.sqrt(square_avg) + eps), square_avg


def adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    p = p * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# --- notebook 10 -------------------------------------------------------------------------------

def deep_backward(weights, X, zs, delta_out):
    hidden = [1 / (1 + np.exp(-z)) for z in zs[:-1]]
    inputs = [X] + hidden
    deltas = [delta_out]
    for W, h in zip(weights[:0:-1], hidden[::-1]):
        deltas.insert(0, (deltas[0] @ W) * h * (1 - h))
    return [d.T @ a for d, a in zip(deltas, inputs)], [d.sum(axis=0) for d in deltas]


def gradient_bound(weights, max_slope):
    factors = [max_slope * np.linalg.norm(W, 2) for W in weights]
    return [float(np.prod(factors[l + 1:])) for l in range(len(weights))]


# --- notebook 11 -------------------------------------------------------------------------------

def leaky_relu_init_std(fan_in, negative_slope):
    return math.sqrt(2 / ((1 + negative_slope ** 2) * fan_in))


def batch_norm(z, eps=1e-5):
    return (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)


def batch_norm_backward(g, x, gamma, eps=1e-5):
    n = len(x)
    sigma = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) / sigma
    dx = gamma / (n * sigma) * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, (g * x_hat).sum(axis=0), g.sum(axis=0)


def clip_by_global_norm(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


# --- notebook 12 -------------------------------------------------------------------------------

def l2_penalty(weights, lam):
    return lam / 2 * sum(float((W ** 2).sum()) for W in weights), [lam * W for W in weights]


def dropout_forward(ctx, x, p, training, rng):
    if not training or p == 0:
        ctx.mask = None
        return x
    ctx.mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * ctx.mask


def dropout_backward(ctx, grad):
    return (grad if ctx.mask is None else grad * ctx.mask), None, None, None


def early_stopping(val_losses, patience):
    best_loss, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        elif epoch - best_epoch == patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


# --- notebook 13 -------------------------------------------------------------------------------

def matmul_cost(m, k, n, itemsize=4):
    flops, nbytes = 2 * m * k * n, itemsize * (m * k + k * n + m * n)
    return flops, nbytes, flops / nbytes


def host_to_device(X, y, epochs, gb_per_s):
    nbytes = epochs * (X.size * X.itemsize + y.size * y.itemsize)
    return nbytes, nbytes / (gb_per_s * 1e9)


def launch_and_total(work, sync, repeats=5):
    work()
    sync()
    launches, totals = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        launches.append(time.perf_counter() - start)
        sync()
        totals.append(time.perf_counter() - start)
    return float(np.median(launches)), float(np.median(totals))


# --- notebook 14 -------------------------------------------------------------------------------

def conv1d(x, w):
    k = w.shape[0]
    m = x.shape[0] - k + 1
    return sum(x[j:j + m] * w[j] for j in range(k))


def rnn_forward(xs, h0, W_xh, W_hh, b):
    h, states = h0, []
    for t in range(xs.shape[0]):
        h = (xs[t] @ W_xh.T + h @ W_hh.T + b).tanh()
        states.append(h)
    return mg.stack(states)


def rnn_step_backward(dh, x, h_prev, h, W_hh):
    dz = dh * (1 - h ** 2)
    return dz.T @ x, dz.T @ h_prev, dz.sum(axis=0), dz @ W_hh


def attention(Q, K, V):
    return F.softmax(Q @ K.T / math.sqrt(Q.shape[-1]), axis=-1) @ V


# --- notebook 15 -------------------------------------------------------------------------------

def fa_hidden_delta(e, B, z):
    return (e @ B.T) * (z > 0)


def angle_degrees(u, v):
    u, v = np.ravel(u), np.ravel(v)
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def fa_two_hidden_backward(x, z1, z2, e, B2, B3):
    h1, h2 = np.maximum(z1, 0), np.maximum(z2, 0)
    delta2 = (e @ B3.T) * (z2 > 0)
    delta1 = (delta2 @ B2.T) * (z1 > 0)
    return delta1.T @ x, delta1.sum(axis=0), delta2.T @ h1, delta2.sum(axis=0), e.T @ h2, e.sum(axis=0)


# --- notebook 17 -------------------------------------------------------------------------------

def bigram_loss(train_ids, val_ids, vocab_size, alpha):
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    probs = (counts + alpha) / (counts + alpha).sum(axis=1, keepdims=True)
    return float(-np.log(probs[val_ids[:-1], val_ids[1:]]).mean())


def attention_backward(q, k, v, G):
    T, d = q.shape
    scores = q @ k.T / np.sqrt(d)
    scores = np.where(np.tril(np.ones((T, T))) == 1, scores, -np.inf)
    A = np.exp(scores - scores.max(axis=1, keepdims=True))
    A = A / A.sum(axis=1, keepdims=True)
    dv = A.T @ G
    dA = G @ v.T
    dS = A * (dA - (dA * A).sum(axis=1, keepdims=True))
    return dS @ k / np.sqrt(d), dS.T @ q / np.sqrt(d), dv


def gpt_parameter_count(vocab_size, block_size, n_embd, n_layer):
    C = n_embd
    block = 2 * (2 * C) + (3 * C * C + 3 * C) + (C * C + C) + (4 * C * C + 4 * C) + (4 * C * C + C)
    return vocab_size * C + block_size * C + n_layer * block + 2 * C + (C * vocab_size + vocab_size)


# --- notebook 16 -------------------------------------------------------------------------------

def im2col(x, kh, kw, stride=1, padding=0):
    n, c, h, w = x.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    rows = np.empty((n, oh, ow, c * kh * kw), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            rows[:, i, j] = patch.reshape(n, -1)
    return rows.reshape(n * oh * ow, c * kh * kw)


patches = im2col   # the notebook's helper, minigrad's version of exercise 1


def conv2d_backward(x, weight, grad_out, stride=1, padding=0):
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    _, _, oh, ow = grad_out.shape
    P = patches(x, kh, kw, stride, padding)
    G = grad_out.transpose(0, 2, 3, 1).reshape(-1, c_out)
    dw = (G.T @ P).reshape(weight.shape)
    db = G.sum(axis=0)
    dP = (G @ weight.reshape(c_out, -1)).reshape(n, oh, ow, c, kh, kw)
    dx = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    for i in range(oh):
        for j in range(ow):
            dx[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += dP[:, i, j]
    return dx[:, :, padding:padding + h, padding:padding + w], dw, db


def max_pool_backward(x, grad_out, k):
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // k, k, w // k, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // k, w // k, k * k)
    first_max = windows.argmax(axis=-1)
    routed = (np.arange(k * k) == first_max[..., None]) * grad_out[..., None]
    return routed.reshape(n, c, h // k, w // k, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
