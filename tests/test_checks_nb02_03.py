"""The exercise checkers of notebooks 02 and 03: they accept the reference solutions,
reject wrong answers saying what is wrong and where, and say "not done yet" for stubs."""
import math

import pytest

from minigrad import Value
from minigrad_course import checks
from minigrad_course.checks.verdict import Verdict


def as_value(x):
    return x if isinstance(x, Value) else Value(x)


def stub(*args, **kwargs):
    raise NotImplementedError


# --- notebook 02: gradients by hand -------------------------------------------------------

def neuron_gradients(x, w, b, y):
    n = w * x + b
    t = math.tanh(n)
    dL_dt = 2.0 * (t - y)
    dL_dn = dL_dt * (1.0 - t * t)
    return {"x": dL_dn * w, "w": dL_dn * x, "b": dL_dn}


def neuron_no_tanh_derivative(x, w, b, y):
    dL_dn = 2.0 * (math.tanh(w * x + b) - y)
    return {"x": dL_dn * w, "w": dL_dn * x, "b": dL_dn}


def neuron_missing_key(x, w, b, y):
    grads = neuron_gradients(x, w, b, y)
    del grads["b"]
    return grads


def reuse_gradients(x, y):
    m = x * y
    t = math.tanh(m)
    dL_dt = x
    dL_dm = dL_dt * (1.0 - t * t)
    return {"x": t + dL_dm * y, "y": 1.0 + dL_dm * x}


def reuse_assigned(x, y):
    """The bug of assigning instead of adding: only the last path survives."""
    m = x * y
    t = math.tanh(m)
    dL_dm = x * (1.0 - t * t)
    return {"x": dL_dm * y, "y": dL_dm * x}


def test_neuron_accepts_reference(capsys):
    assert checks.check_neuron_gradients(neuron_gradients) == True
    assert "✅" in capsys.readouterr().out


def test_neuron_names_the_gradient_and_hints(capsys):
    assert checks.check_neuron_gradients(neuron_no_tanh_derivative) == False
    out = capsys.readouterr().out
    assert "dL/dx at x = 0.5, w = -1.2, b = 0.3, y = 1" in out and "local derivative of tanh" in out


def test_neuron_missing_key(capsys):
    assert checks.check_neuron_gradients(neuron_missing_key) == False
    assert "no key 'b'" in capsys.readouterr().out


def test_neuron_not_a_dict(capsys):
    assert checks.check_neuron_gradients(lambda x, w, b, y: [1.0, 2.0, 3.0]) == False
    assert "expected a dict" in capsys.readouterr().out


def test_neuron_stub_is_not_done(capsys):
    assert checks.check_neuron_gradients(stub) == False
    assert "not done yet" in capsys.readouterr().out


def test_reuse_accepts_reference(capsys):
    assert checks.check_reuse_gradients(reuse_gradients) == True
    assert "✅" in capsys.readouterr().out


def test_reuse_explains_a_missing_path(capsys):
    assert checks.check_reuse_gradients(reuse_assigned) == False
    out = capsys.readouterr().out
    assert "dL/dx at x = 0.8, y = -0.6" in out and "the path through m = x*y" in out and "SUM" in out


def test_reuse_accepts_values_as_numbers(capsys):
    assert checks.check_reuse_gradients(lambda x, y: {k: Value(v) for k, v in reuse_gradients(x, y).items()})
    capsys.readouterr()


def test_reuse_stub_is_not_done(capsys):
    assert checks.check_reuse_gradients(stub) == False
    assert "not done yet" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["check_neuron_gradients", "check_reuse_gradients"])
def test_nb02_checkers_are_exported(name):
    assert name in checks.nb02.__all__ and callable(getattr(checks, name))


# --- notebook 03: new ops on the notebook's Value (here: minigrad.Value, same constructor) -------

def sigmoid(self):
    s = 1.0 / (1.0 + math.exp(-self.data))
    return Value(s, (self,), (s * (1.0 - s),), "sigmoid")


def sigmoid_wrong_local(self):
    s = 1.0 / (1.0 + math.exp(-self.data))
    return Value(s, (self,), (s,), "sigmoid")


def sigmoid_composite(self):
    return 1 / (1 + (-self).exp())


def truediv(self, other):
    other = as_value(other)
    a, b = self.data, other.data
    return Value(a / b, (self, other), (1.0 / b, -a / b ** 2), "/")


def truediv_wrong_sign(self, other):
    other = as_value(other)
    a, b = self.data, other.data
    return Value(a / b, (self, other), (1.0 / b, a / b ** 2), "/")


def truediv_no_numbers(self, other):
    a, b = self.data, other.data
    return Value(a / b, (self, other), (1.0 / b, -a / b ** 2), "/")


def truediv_composite(self, other):
    return self * as_value(other) ** -1


def test_sigmoid_accepts_reference(capsys):
    assert checks.check_sigmoid_op(sigmoid, Value) == True
    assert "✅" in capsys.readouterr().out


def test_sigmoid_names_the_wrong_derivative(capsys):
    assert checks.check_sigmoid_op(sigmoid_wrong_local, Value) == False
    out = capsys.readouterr().out
    assert "❌" in out and "d sigmoid(x)/dx at x = -3" in out


def test_sigmoid_asks_for_one_node(capsys):
    assert checks.check_sigmoid_op(sigmoid_composite, Value) == False
    assert "ONE new node" in capsys.readouterr().out


def test_sigmoid_local_derivative_not_a_tuple(capsys):
    def sigmoid_no_comma(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), (s * (1.0 - s)), "sigmoid")
    assert checks.check_sigmoid_op(sigmoid_no_comma, Value) == False
    assert "(d,) with the comma" in capsys.readouterr().out


def test_sigmoid_stub_is_not_done(capsys):
    assert checks.check_sigmoid_op(stub, Value) == False
    assert "not done yet" in capsys.readouterr().out


def test_truediv_accepts_reference(capsys):
    assert checks.check_truediv_op(truediv, Value) == True
    assert "✅" in capsys.readouterr().out


def test_truediv_says_which_derivative_is_wrong(capsys):
    assert checks.check_truediv_op(truediv_wrong_sign, Value) == False
    out = capsys.readouterr().out
    assert "d(a/b)/db at a = 3, b = 4" in out and "d(a/b)/da" not in out


def test_truediv_needs_plain_numbers(capsys):
    assert checks.check_truediv_op(truediv_no_numbers, Value) == False
    assert "as_value" in capsys.readouterr().out


def test_truediv_asks_for_one_node(capsys):
    assert checks.check_truediv_op(truediv_composite, Value) == False
    assert "ONE new node" in capsys.readouterr().out


def test_truediv_stub_is_not_done(capsys):
    assert checks.check_truediv_op(stub, Value) == False
    assert "not done yet" in capsys.readouterr().out


# --- notebook 03: topological order -------------------------------------------------------

def kahn(root):
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


def kahn_not_reversed(root):
    return kahn(root)[::-1]


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


def leaves_missing(root):
    return [n for n in kahn(root) if n._prev]


def test_topological_order_accepts_reference(capsys):
    assert checks.check_topological_order(kahn) == True
    assert "✅" in capsys.readouterr().out


def test_topological_order_rejects_root_first(capsys):
    assert checks.check_topological_order(kahn_not_reversed) == False
    out = capsys.readouterr().out
    assert "comes before its input" in out and "L = (a*b + c) * f" in out


def test_topological_order_rejects_breadth_first(capsys):
    assert checks.check_topological_order(breadth_first_reversed) == False
    out = capsys.readouterr().out
    assert "on w = (p + q) * ((p + q) * r)" in out and "comes before its input" in out


def test_topological_order_rejects_duplicates(capsys):
    assert checks.check_topological_order(no_visited_set) == False
    assert "appears twice" in capsys.readouterr().out


def test_topological_order_rejects_missing_nodes(capsys):
    assert checks.check_topological_order(leaves_missing) == False
    assert "is missing" in capsys.readouterr().out


def test_topological_order_rejects_recursion_on_deep_chain(capsys):
    assert checks.check_topological_order(recursive) == False
    out = capsys.readouterr().out
    assert "RecursionError" in out and "20,000" in out


def test_topological_order_stub_is_not_done(capsys):
    assert checks.check_topological_order(stub) == False
    assert "not done yet" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["check_sigmoid_op", "check_truediv_op", "check_topological_order"])
def test_nb03_checkers_are_exported(name):
    assert name in checks.nb03.__all__ and callable(getattr(checks, name))


def test_checkers_return_verdicts(capsys):
    """A Verdict is True/False but displays nothing, so a check cell shows only the message."""
    assert isinstance(checks.check_sigmoid_op(stub, Value), Verdict)
    assert isinstance(checks.check_topological_order(kahn), Verdict)
    assert isinstance(checks.check_reuse_gradients(stub), Verdict)
    capsys.readouterr()
