"""The checkers of notebooks 02 and 03 reject wrong answers saying what is wrong and where, and turn down
the shortcuts the exercises rule out: Value and backward() for gradients by hand, a ready-made order
(the library's or the notebook's own depth-first one) for Kahn's algorithm."""
import math

import pytest

from checks_references import (as_value, neuron_gradients, reuse_gradients, run, sigmoid, topological_order_kahn,
                               truediv)
from minigrad import Value
from minigrad.value import topological_order
from minigrad_course import checks

# --- notebook 02: gradients by hand -------------------------------------------------------


def neuron_no_tanh_derivative(x, w, b, y):
    dL_dn = 2.0 * (math.tanh(w * x + b) - y)
    return {"x": dL_dn * w, "w": dL_dn * x, "b": dL_dn}


def neuron_missing_key(x, w, b, y):
    grads = neuron_gradients(x, w, b, y)
    del grads["b"]
    return grads


def reuse_assigned(x, y):
    """The bug of assigning instead of adding: only the last path survives."""
    t = math.tanh(x * y)
    dL_dm = x * (1.0 - t * t)
    return {"x": dL_dm * y, "y": dL_dm * x}


def test_neuron_names_the_gradient_and_hints(capsys):
    ok, out = run(checks.check_neuron_gradients, neuron_no_tanh_derivative, capsys=capsys)
    assert not ok and "dL/dx at x = 0.5, w = -1.2, b = 0.3, y = 1" in out and "local derivative of tanh" in out


@pytest.mark.parametrize("wrong, words", [
    (lambda x, w, b, y: {k: g / 2 for k, g in neuron_gradients(x, w, b, y).items()}, "is the factor 2 missing?"),
    (lambda x, w, b, y: {k: -g for k, g in neuron_gradients(x, w, b, y).items()}, "the sign is wrong"),
])
def test_neuron_names_other_slips(wrong, words, capsys):
    ok, out = run(checks.check_neuron_gradients, wrong, capsys=capsys)
    assert not ok and "   Hint: " in out and words in out


def test_neuron_missing_key(capsys):
    ok, out = run(checks.check_neuron_gradients, neuron_missing_key, capsys=capsys)
    assert not ok and "no key 'b'" in out


def test_neuron_not_a_dict(capsys):
    ok, out = run(checks.check_neuron_gradients, lambda x, w, b, y: [1.0, 2.0, 3.0], capsys=capsys)
    assert not ok and "expected a dict" in out


def test_reuse_explains_a_missing_path(capsys):
    ok, out = run(checks.check_reuse_gradients, reuse_assigned, capsys=capsys)
    assert not ok
    assert "dL/dx at x = 0.8, y = -0.6" in out and "the path through m = x*y" in out and "SUM" in out


def test_reuse_explains_the_other_missing_path(capsys):
    def direct_paths_only(x, y):
        return {"x": math.tanh(x * y), "y": 1.0}
    ok, out = run(checks.check_reuse_gradients, direct_paths_only, capsys=capsys)
    assert not ok and "you have only the direct path (x times t)" in out
    assert "you have only the path through the final + y" in out


def test_reuse_accepts_numpy_numbers(capsys):
    import numpy as np
    ok, _ = run(checks.check_reuse_gradients, lambda x, y: {k: np.float64(v) for k, v in reuse_gradients(x, y).items()},
                capsys=capsys)
    assert ok


def neuron_by_autograd(x, w, b, y):
    xs = {"x": Value(x), "w": Value(w), "b": Value(b)}
    loss = ((xs["w"] * xs["x"] + xs["b"]).tanh() - y) ** 2
    loss.backward()
    return {k: v.grad for k, v in xs.items()}


def reuse_by_autograd(x, y):
    xv, yv = Value(x), Value(y)
    (xv * (xv * yv).tanh() + yv).backward()
    return {"x": xv.grad, "y": yv.grad}


@pytest.mark.parametrize("check, shortcut", [(checks.check_neuron_gradients, neuron_by_autograd),
                                             (checks.check_reuse_gradients, reuse_by_autograd)])
def test_autograd_is_turned_down(check, shortcut, capsys):
    ok, out = run(check, shortcut, capsys=capsys)
    assert not ok and out.count("\n") == 1
    assert "uses `Value` and `backward`" in out and "backward pass by hand" in out and "without Value" in out


def test_a_central_difference_is_turned_down(capsys):
    """The notebook's own `central` helper by name; the same difference written inline by its accuracy."""
    namespace = {"__name__": "__main__", "math": math}
    exec("def central(f, x, h=1e-6):\n"
         "    return (f(x + h) - f(x - h)) / (2 * h)\n"
         "def neuron_gradients(x, w, b, y):\n"
         "    L = lambda x, w, b: (math.tanh(w * x + b) - y) ** 2\n"
         "    return {'x': central(lambda t: L(t, w, b), x), 'w': central(lambda t: L(x, t, b), w),\n"
         "            'b': central(lambda t: L(x, w, t), b)}\n", namespace)
    ok, out = run(checks.check_neuron_gradients, namespace["neuron_gradients"], capsys=capsys)
    assert not ok and "uses `central`" in out

    def inline(x, w, b, y, h=1e-5):
        def L(x, w, b):
            return (math.tanh(w * x + b) - y) ** 2
        return {"x": (L(x + h, w, b) - L(x - h, w, b)) / (2 * h), "w": (L(x, w + h, b) - L(x, w - h, b)) / (2 * h),
                "b": (L(x, w, b + h) - L(x, w, b - h)) / (2 * h)}
    ok, out = run(checks.check_neuron_gradients, inline, capsys=capsys)
    assert not ok and "close, but not exact" in out and "backward pass by hand" in out


# --- notebook 03: new ops on the notebook's Value (here: minigrad.Value, same constructor) -------

def sigmoid_with_local(local):
    """A sigmoid node whose local derivative is local(s, x)."""
    def op(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), (local(s, self.data),), "sigmoid")
    return op


def truediv_with_locals(d_da, d_db):
    def op(self, other):
        other = as_value(other)
        a, b = self.data, other.data
        return Value(a / b, (self, other), (d_da(a, b), d_db(a, b)), "/")
    return op


def test_sigmoid_names_the_wrong_derivative(capsys):
    ok, out = run(checks.check_sigmoid_op, sigmoid_with_local(lambda s, x: s), Value, capsys=capsys)
    assert not ok and "d sigmoid(x)/dx at x = -3" in out and "the factor (1 - s) is missing" in out


def test_sigmoid_derivative_from_the_input(capsys):
    ok, out = run(checks.check_sigmoid_op, sigmoid_with_local(lambda s, x: x * (1 - x)), Value, capsys=capsys)
    assert not ok and "uses the node's OUTPUT s = sigmoid(x), not its input x" in out


def test_sigmoid_asks_for_one_node(capsys):
    ok, out = run(checks.check_sigmoid_op, lambda self: 1 / (1 + (-self).exp()), Value, capsys=capsys)
    assert not ok and "ONE new node" in out


def test_sigmoid_local_derivative_not_a_tuple(capsys):
    def sigmoid_no_comma(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), (s * (1.0 - s)), "sigmoid")
    ok, out = run(checks.check_sigmoid_op, sigmoid_no_comma, Value, capsys=capsys)
    assert not ok and "(d,) with the comma" in out


def test_truediv_says_which_derivative_is_wrong(capsys):
    ok, out = run(checks.check_truediv_op, truediv_with_locals(lambda a, b: 1 / b, lambda a, b: a / b ** 2), Value,
                  capsys=capsys)
    assert not ok
    assert "d(a/b)/db at a = 3, b = 4" in out and "d(a/b)/da" not in out and "the minus sign is missing" in out


@pytest.mark.parametrize("d_da, d_db, words", [
    (lambda a, b: b, lambda a, b: -a / b ** 2, "d(a/b)/da = 1/b"),
    (lambda a, b: 1 / b, lambda a, b: -a / b, "with b squared"),
    (lambda a, b: 1 / b, lambda a, b: -1 / b ** 2, "the factor a is missing"),
])
def test_truediv_names_other_slips(d_da, d_db, words, capsys):
    ok, out = run(checks.check_truediv_op, truediv_with_locals(d_da, d_db), Value, capsys=capsys)
    assert not ok and words in out


def test_truediv_needs_plain_numbers(capsys):
    def truediv_no_numbers(self, other):
        a, b = self.data, other.data
        return Value(a / b, (self, other), (1.0 / b, -a / b ** 2), "/")
    ok, out = run(checks.check_truediv_op, truediv_no_numbers, Value, capsys=capsys)
    assert not ok and "as_value" in out


def test_truediv_asks_for_one_node(capsys):
    ok, out = run(checks.check_truediv_op, lambda self, other: self * as_value(other) ** -1, Value, capsys=capsys)
    assert not ok and "ONE new node" in out


def test_ops_accept_the_reference_on_another_value_class(capsys):
    """The checkers build inputs with the class they are given (the notebook's own Value)."""
    class NotebookValue(Value):
        pass
    assert run(checks.check_sigmoid_op, sigmoid, NotebookValue, capsys=capsys)[0]
    assert run(checks.check_truediv_op, truediv, NotebookValue, capsys=capsys)[0]


# --- notebook 03: topological order (Kahn's algorithm) -------------------------------------------

def recursive(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)
    visit(root)
    return order


def no_visited_set(root):
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in node._prev)
    return order


def breadth_first_reversed(root):
    order, seen, queue = [], {root}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return order[::-1]


@pytest.mark.parametrize("wrong, words", [
    (lambda root: topological_order_kahn(root)[::-1], ["comes before its input", "L = (a*b + c) * f"]),
    (breadth_first_reversed, ["on w = (p + q) * ((p + q) * r)", "comes before its input"]),
    (no_visited_set, ["appears twice"]),
    (lambda root: [n for n in topological_order_kahn(root) if n._prev], ["is missing"]),
    (recursive, ["RecursionError", "20,000"]),
])
def test_topological_order_names_the_mistake(wrong, words, capsys):
    ok, out = run(checks.check_topological_order, wrong, capsys=capsys)
    assert not ok and all(w in out for w in words)


KAHN_ASKS = "Kahn's algorithm, written out"


def test_topological_order_turns_down_the_librarys_order(capsys):
    def library(root):
        return topological_order(root)
    ok, out = run(checks.check_topological_order, library, capsys=capsys)
    assert not ok and "uses `topological_order`" in out and KAHN_ASKS in out and out.count("\n") == 1


def test_topological_order_turns_down_the_notebooks_own_dfs(capsys):
    """As in notebook 03: the loop-based DFS a few cells up, called directly, through the name the notebook
    gives it, or from a helper of one's own."""
    namespace = {"__name__": "__main__"}
    exec("def topological_order_iterative(root):\n"
         "    order, visited, stack = [], set(), [(root, False)]\n"
         "    while stack:\n"
         "        node, done = stack.pop()\n"
         "        if done:\n"
         "            order.append(node)\n"
         "        elif node not in visited:\n"
         "            visited.add(node)\n"
         "            stack.append((node, True))\n"
         "            stack.extend((c, False) for c in reversed(node._prev) if c not in visited)\n"
         "    return order\n"
         "topological_order = topological_order_iterative\n"
         "def direct(root):\n"
         "    return topological_order_iterative(root)\n"
         "def by_the_notebooks_name(root):\n"
         "    return topological_order(root)\n"
         "def helper(root):\n"
         "    return list(topological_order_iterative(root))\n"
         "def through_a_helper(root):\n"
         "    return helper(root)\n", namespace)
    for name in ("direct", "by_the_notebooks_name", "through_a_helper"):
        ok, out = run(checks.check_topological_order, namespace[name], capsys=capsys)
        assert not ok and "uses `topological_order" in out and KAHN_ASKS in out, (name, out)


def test_topological_order_turns_down_an_aliased_import(capsys):
    namespace = {"__name__": "__main__"}
    exec("from minigrad.value import topological_order as order\n"
         "def kahn(root):\n"
         "    return order(root)\n", namespace)
    ok, out = run(checks.check_topological_order, namespace["kahn"], capsys=capsys)
    assert not ok and "uses `topological_order`" in out
