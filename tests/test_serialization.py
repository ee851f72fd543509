"""minigrad.save / minigrad.load: a state dict to an .npz file and back, no pickle."""
import pickle
import zipfile

import numpy as np
import pytest

from hypothesis import given
from hypothesis import strategies as st

from minigrad.serialization import load, save


def _state():
    rng = np.random.default_rng(0)
    return {
        "0.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "0.bias": rng.standard_normal(4).astype(np.float32),
        "layers.2.weight": rng.standard_normal((2, 4)),  # float64
        "bn.num_batches": np.array(7, dtype=np.int64),    # 0-d
        "counts": np.arange(5, dtype=np.int32),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def _assert_same(loaded, state):
    assert list(loaded) == list(state)  # same names, same order
    for name, value in state.items():
        assert isinstance(loaded[name], np.ndarray)
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name], value)


def test_round_trip_arrays_exact(tmp_path):
    state = _state()
    save(state, tmp_path / "model.npz")
    _assert_same(load(tmp_path / "model.npz"), state)


def test_round_trip_tensors(tmp_path):
    from minigrad.tensor import Tensor

    state = _state()
    tensors = {name: Tensor(value, requires_grad=value.dtype.kind == "f") for name, value in state.items()}
    save(tensors, str(tmp_path / "model.npz"))
    _assert_same(load(str(tmp_path / "model.npz")), state)


def test_float_values_bit_exact(tmp_path):
    values = np.array([np.pi, 1e-300, -0.0, np.inf, np.nan, 2.0**-1074], dtype=np.float64)
    save({"x": values, "y": values.astype(np.float32)}, tmp_path / "f")
    loaded = load(tmp_path / "f")
    assert loaded["x"].tobytes() == values.tobytes()
    assert loaded["y"].tobytes() == values.astype(np.float32).tobytes()


def test_suffix_added_in_both_save_and_load(tmp_path):
    save({"w": np.ones(2)}, tmp_path / "model")
    assert (tmp_path / "model.npz").is_file() and not (tmp_path / "model").exists()
    np.testing.assert_array_equal(load(tmp_path / "model")["w"], np.ones(2))
    np.testing.assert_array_equal(load(tmp_path / "model.npz")["w"], np.ones(2))
    save({"w": np.ones(1)}, tmp_path / "model.v2")
    assert (tmp_path / "model.v2.npz").is_file()
    assert load(tmp_path / "model.v2")["w"].shape == (1,)


def test_file_is_a_plain_npz_without_pickle(tmp_path):
    save(_state(), tmp_path / "m.npz")
    names = zipfile.ZipFile(tmp_path / "m.npz").namelist()
    assert sorted(names) == sorted(name + ".npy" for name in _state())
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:  # readable by NumPy alone
        np.testing.assert_array_equal(f["0.weight"], _state()["0.weight"])


def test_load_returns_fresh_arrays_and_closes_the_file(tmp_path):
    path = tmp_path / "m.npz"
    save({"w": np.zeros(3)}, path)
    first = load(path)
    first["w"][0] = 5
    assert load(path)["w"][0] == 0
    path.unlink()  # the file is not held open (this would fail on Windows otherwise)
    assert first["w"].tolist() == [5, 0, 0]


def test_save_overwrites(tmp_path):
    save({"a": np.ones(2)}, tmp_path / "m.npz")
    save({"b": np.zeros(1)}, tmp_path / "m.npz")
    assert list(load(tmp_path / "m.npz")) == ["b"]


def test_empty_state_dict(tmp_path):
    save({}, tmp_path / "empty.npz")
    assert load(tmp_path / "empty.npz") == {}


def test_object_array_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match=r"state_dict\['obj'\] has dtype object.*without pickle"):
        save({"ok": np.ones(2), "obj": np.array([{"a": 1}, None], dtype=object)}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()




@pytest.mark.parametrize("value, type_name", [
    ([1.0, 2.0], "list"), (3.0, "float"), (None, "NoneType"), ("w", "str"),
])
def test_value_not_tensor_or_array(tmp_path, value, type_name):
    with pytest.raises(TypeError, match=rf"state_dict\['w'\] is a {type_name}: only Tensors and NumPy arrays"):
        save({"w": value}, tmp_path / "m.npz")


def test_bad_state_dict_and_names(tmp_path):
    with pytest.raises(TypeError, match="state_dict must be a dict of name -> Tensor, got list"):
        save([np.ones(2)], tmp_path / "m.npz")
    with pytest.raises(TypeError, match="state_dict names must be str, got int 0"):
        save({0: np.ones(2)}, tmp_path / "m.npz")


def test_bad_path_type(tmp_path):
    with pytest.raises(TypeError, match="path must be a str or a path, got int"):
        save({"w": np.ones(1)}, 3)
    with pytest.raises(TypeError, match="path must be a str or a path, got NoneType"):
        load(None)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match=r"no such file: '.*nope\.npz'$"):
        load(missing)
    with pytest.raises(FileNotFoundError, match=r"nope\.npz'.*'\.npz' added to '.*nope'"):
        load(tmp_path / "nope")


def test_unknown_keyword():
    with pytest.raises(TypeError, match="unexpected keyword argument 'allow_pickle'"):
        load("m.npz", allow_pickle=True)


# --- names: every str round-trips ---------------------------------------------------------------


def test_names_that_collide_in_numpy_stay_apart(tmp_path):
    """np.load maps both "a" and "a.npy" to the member "a.npy": minigrad keeps them apart."""
    state = {"a": np.zeros(2), "a.npy": np.ones(3), "a.npy.npy": np.full(1, 2.0)}
    save(state, tmp_path / "m.npz")
    _assert_same(load(tmp_path / "m.npz"), state)


@pytest.mark.parametrize("name", ["file", "allow_pickle", "", "with space", "a/b/c", "../up", "/root", "50%",
                                  "%25", "back\\slash", "nul\x00byte", "é ü 字", ".npy", "x.NPY", "tab\tnew\nline"])
def test_unusual_names_round_trip(tmp_path, name):
    state = {name: np.arange(3.0), "plain": np.ones(1)}
    save(state, tmp_path / "m.npz")
    _assert_same(load(tmp_path / "m.npz"), state)


@given(names=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), unique=True, max_size=6))
def test_any_names_round_trip(tmp_path_factory, names):
    path = tmp_path_factory.mktemp("names") / "m.npz"
    state = {name: np.full(2, float(i)) for i, name in enumerate(names)}
    save(state, path)
    _assert_same(load(path), state)


def test_plain_names_are_numpys_names(tmp_path):
    """Names without '%', '\\' or NUL are stored as they are: np.load sees the same names."""
    save({"0.weight": np.ones(2), "layers.1.bias": np.zeros(1), "50%": np.ones(1)}, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        assert f.files == ["0.weight", "layers.1.bias", "50%25"]


def test_name_that_is_not_valid_unicode(tmp_path):
    with pytest.raises(ValueError, match=r"state_dict name '\\udc80' cannot be written to a file"):
        save({"\udc80": np.ones(1)}, tmp_path / "m.npz")


# --- files that are not minigrad .npz files ------------------------------------------------------


def _not_ours(path):
    with pytest.raises(ValueError) as caught:
        load(path)
    message = str(caught.value)
    assert "is not a minigrad .npz file" in message and "allow_pickle" not in message
    return message


def test_random_bytes(tmp_path):
    path = tmp_path / "random.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    assert "not a zip archive" in _not_ours(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("weights: 1, 2, 3\n")
    assert "not a zip archive" in _not_ours(path)


def test_pickle_file(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"w": np.ones(2)}))
    assert "not a zip archive" in _not_ours(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    assert "the file is empty" in _not_ours(path)


def test_npy_named_npz(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as f:
        np.save(f, np.ones(3))
    assert "a single NumPy array (np.save), not an archive: read it with np.load" in _not_ours(path)


def test_object_member_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, obj=np.array([{"a": 1}], dtype=object), ok=np.ones(2))  # pickled by NumPy
    message = _not_ours(path)
    assert "'obj' holds Python objects (dtype object)" in message and "never unpickles" in message


def test_zip_with_other_files(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "'readme.txt' is not a .npy array" in _not_ours(path)


def test_npy_member_that_is_not_an_array(tmp_path):
    path = tmp_path / "broken.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("w.npy", "not an array at all")
    assert "'w' is not a readable .npy array" in _not_ours(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "m.npz"
    save(_state(), path)
    path.write_bytes(path.read_bytes()[:300])
    _not_ours(path)
