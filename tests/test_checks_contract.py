"""The contract every exercise checker keeps, tested on every public `check_*` of minigrad_course.checks:

- the reference solution passes, with one line that starts with ✅ and nothing else;
- a stub (the student edition's `raise NotImplementedError`) gets one line, ⏳ "not done yet", and no ❌;
- a function that raises another exception gets ❌ with the exception's name and message, no traceback;
- something that is not a function is named as such;
- every answer is a Verdict, and no check changes the random numbers the notebook draws next.

A checker that is not in CONTRACT fails `test_every_checker_is_in_the_contract`.
"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import checks_references as ref
import minigrad as mg
from checks_references import crashes, run, stub
from minigrad import Value
from minigrad_course import checks

# checker name -> (the learner's functions it takes, the arguments that follow them)
CONTRACT = {
    "check_slope": ((ref.slope,), ()),
    "check_central_difference": ((ref.central_difference,), ()),
    "check_logistic_loss_derivative": ((ref.dloss_dx,), ()),
    "check_two_paths": ((ref.two_path_derivative,), ()),
    "check_neuron_gradients": ((ref.neuron_gradients,), ()),
    "check_reuse_gradients": ((ref.reuse_gradients,), ()),
    "check_sigmoid_op": ((ref.sigmoid,), (Value,)),
    "check_truediv_op": ((ref.truediv,), (Value,)),
    "check_topological_order": ((ref.topological_order_kahn,), ()),
    "check_hidden_deltas": ((ref.hidden_deltas,), ()),
    "check_squared_error_gradients": ((ref.squared_error_gradients,), ()),
    "check_train_per_example": ((ref.train_per_example,), ()),
    "check_leaky_relu": ((ref.leaky_relu, ref.leaky_relu_grad), ()),
    "check_silu_grad": ((ref.silu_grad,), ()),
    "check_softmax_jacobian": ((ref.softmax_jacobian,), ()),
    "check_bce_with_logits": ((ref.bce_with_logits,), ()),
    "check_softmax_mse_grad": ((ref.softmax_mse_grad,), ()),
    "check_gradient_descent": ((ref.gradient_descent,), ()),
    "check_linear_backward_xw": ((ref.linear_backward_xw,), ()),
    "check_unbroadcast": ((ref.unbroadcast_to,), ()),
    "check_two_layer_backward": ((ref.two_layer_backward,), ()),
    "check_cross_entropy_backward": ((ref.cross_entropy_backward,), ()),
    "check_mlp_backward": ((ref.mlp_backward,), ()),
    "check_train_one_epoch": ((ref.train_one_epoch,), ()),
    "check_grid_predictions": ((ref.grid_predictions,), ()),
    "check_nesterov_step": ((ref.nesterov_step,), ()),
    "check_rmsprop_step": ((ref.rmsprop_step,), ()),
    "check_adamw_step": ((ref.adamw_step,), ()),
    "check_deep_backward": ((ref.deep_backward,), ()),
    "check_gradient_bound": ((ref.gradient_bound,), ()),
    "check_leaky_relu_init_std": ((ref.leaky_relu_init_std,), ()),
    "check_batch_norm": ((ref.batch_norm,), ()),
    "check_batch_norm_backward": ((ref.batch_norm_backward,), ()),
    "check_clip_by_global_norm": ((ref.clip_by_global_norm,), ()),
    "check_l2_penalty": ((ref.l2_penalty,), ()),
    "check_dropout": ((ref.dropout_forward, ref.dropout_backward), ()),
    "check_early_stopping": ((ref.early_stopping,), ()),
    "check_matmul_cost": ((ref.matmul_cost,), ()),
    "check_host_to_device": ((ref.host_to_device,), ()),
    "check_launch_and_total": ((ref.launch_and_total,), ()),
    "check_conv1d": ((ref.conv1d,), ()),
    "check_rnn_forward": ((ref.rnn_forward,), ()),
    "check_rnn_step_backward": ((ref.rnn_step_backward,), ()),
    "check_attention": ((ref.attention,), ()),
    "check_fa_hidden_delta": ((ref.fa_hidden_delta,), ()),
    "check_angle_degrees": ((ref.angle_degrees,), ()),
    "check_fa_two_hidden": ((ref.fa_two_hidden_backward,), ()),
    "check_bigram_loss": ((ref.bigram_loss,), ()),
    "check_attention_backward": ((ref.attention_backward,), ()),
    "check_gpt_parameter_count": ((ref.gpt_parameter_count,), ()),
    "check_im2col": ((ref.im2col,), ()),
    "check_conv2d_backward": ((ref.conv2d_backward,), ()),
    "check_max_pool_backward": ((ref.max_pool_backward,), ()),
}
NAMES = sorted(CONTRACT)


def checkers_defined() -> dict[str, object]:
    """Every public check_* function defined in a module of minigrad_course.checks."""
    found = {}
    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"{checks.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == module.__name__:
                found[name] = fn
    return found


def call(name, replacement=None, capsys=None):
    """Run checker `name` on its reference solutions, or with every learner function replaced."""
    solutions, extra = CONTRACT[name]
    fns = solutions if replacement is None else [replacement] * len(solutions)
    return run(getattr(checks, name), *fns, *extra, capsys=capsys)


def test_every_checker_is_in_the_contract():
    defined = checkers_defined()
    assert set(defined) == set(CONTRACT), "a checker without a contract entry, or an entry without a checker"
    for name, fn in defined.items():
        assert getattr(checks, name, None) is fn, f"{name} is not exported by minigrad_course.checks"


@pytest.mark.parametrize("name", NAMES)
def test_reference_is_accepted(name, capsys):
    ok, out = call(name, capsys=capsys)
    assert ok, out
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("✅ "), out


@pytest.mark.parametrize("name", NAMES)
def test_stub_says_not_done_yet(name, capsys):
    ok, out = call(name, stub, capsys=capsys)
    assert not ok
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("⏳ ") and " is not done yet: replace `raise NotImplementedError`" in lines[0], out


@pytest.mark.parametrize("name", NAMES)
def test_crash_is_reported(name, capsys):
    ok, out = call(name, crashes, capsys=capsys)
    assert not ok
    first = out.splitlines()[0]
    assert first.startswith("❌ ") and "raised ZeroDivisionError: division by zero" in first, out
    assert "Traceback" not in out and "not done yet" not in out and "✅" not in out


@pytest.mark.parametrize("name", NAMES)
def test_not_a_function_is_named(name, capsys):
    ok, out = call(name, 42, capsys=capsys)
    assert not ok
    assert out.splitlines() == [out.splitlines()[0]] and out.startswith("❌ ") and "expected a function" in out, out


@pytest.mark.parametrize("name", NAMES)
def test_random_numbers_are_left_alone(name, capsys):
    mg.manual_seed(123)
    np.random.seed(123)
    expected = mg.randn(5).numpy(), np.random.random(3)
    mg.manual_seed(123)
    np.random.seed(123)
    call(name, capsys=capsys)
    assert np.array_equal(mg.randn(5).numpy(), expected[0]) and np.array_equal(np.random.random(3), expected[1])
