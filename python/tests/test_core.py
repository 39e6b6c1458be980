"""The Rust extension tusk._tusk directly: models, errors, and a parameter server with workers
on threads of this process (what a Spark job does across processes)."""
import json
import socket
import threading

import numpy as np
import pytest

import tusk
import tusk._tusk as t
from fashion import fashion_mnist

MLP = json.dumps({"class_name": "Sequential", "config": {"name": "mlp", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 784], "name": "pixels"}},
    {"class_name": "Dense", "config": {"name": "hidden", "units": 64, "activation": "relu"}},
    {"class_name": "Dense", "config": {"name": "classes", "units": 10, "activation": "softmax"}}]}})
TRAINING = json.dumps({"loss": ["categorical_crossentropy"], "metrics": ["accuracy"], "optimizer": {"class_name": "Adam", "config": {}}})


def compiled():
    m = t.Model.from_json(MLP, seed=1)
    m.compile(TRAINING)
    return m


def test_every_error_kind_is_a_tusk_error():
    for name in ["ShapeError", "ConfigError", "UnsupportedError", "DataError", "StateError", "TuskIOError",
                 "FormatError", "ProtocolError", "AuthError", "TuskTimeoutError", "WorkerLostError", "ServerError"]:
        assert issubclass(getattr(tusk, name), tusk.TuskError)
    with pytest.raises(tusk.StateError, match="compile"):
        t.Model.from_json(MLP).fit([np.zeros((2, 784), np.float32)], [np.zeros((2, 10), np.float32)])
    with pytest.raises(tusk.ShapeError, match=r"pixels.*\[784\]"):
        compiled().fit([np.zeros((4, 100), np.float32)], [np.zeros((4, 10), np.float32)])
    with pytest.raises(tusk.UnsupportedError, match="Dense"):
        t.Model.from_json(MLP.replace('"units": 64', '"units": 64, "frobnicate": true'))
    with pytest.raises(tusk.DataError, match="NaN|finite"):
        compiled().fit([np.full((4, 784), np.nan, np.float32)], [np.zeros((4, 10), np.float32)])
    with pytest.raises(tusk.ConfigError, match="bogus"):
        t.job_spec("bogus", compiled())
    with pytest.raises(tusk.ConfigError, match="windw"):
        t.job_spec("downpour", compiled(), windw=3)
    with pytest.raises(tusk.TuskIOError):
        t.Model.load("/nonexistent/model")


def test_errors_are_also_the_builtin_kinds_and_defined_once_in_python():
    import tusk.errors as errors

    assert t.ConfigError is errors.ConfigError is tusk.ConfigError
    with pytest.raises(ValueError, match="bogus"):
        t.job_spec("bogus", compiled())
    assert issubclass(tusk.TuskTimeoutError, TimeoutError) and issubclass(tusk.TuskIOError, OSError)


def test_the_run_contract_is_the_engine_s_own():
    assert set(t.MODES) == {"synchronous", "asynchronous", "hogwild"} and "eamsgd" in t.TRAINERS
    assert {"epochs", "window", "driver_optimizer", "stop_at_loss"} <= set(t.JOB_SETTINGS)
    from tusk.spark_model import JOB_SETTINGS, MODES
    assert MODES == tuple(t.MODES) and set(JOB_SETTINGS) < set(t.JOB_SETTINGS)
    m = compiled()
    # Every optimizer the engine has may drive the server, from Python as from the CLI.
    spec = json.loads(t.job_spec("asynchronous", m, driver_optimizer="nadam"))
    assert spec["settings"]["driver_optimizer"]["class_name"] == "Nadam"
    with pytest.raises(tusk.ConfigError, match="driver_optimizer"):
        t.job_spec("asynchronous", m, driver_optimizer="lamb")
    with pytest.raises(tusk.ConfigError, match="epochs"):
        t.job_spec("downpour", m, epochs="ten")
    job = t.job_spec("downpour", m)
    with pytest.raises(tusk.ConfigError, match="checkpoint_evry"):
        t.ParameterServer(job, 1, m.params(), b"token", checkpoint_evry=3)
    with pytest.raises(tusk.ConfigError, match="checkpoint_every .* and checkpoint_dir go together"):
        t.ParameterServer(job, 1, m.params(), b"token", checkpoint_every=3)
    with pytest.raises(tusk.ConfigError, match="workers must be between 1 and 1024"):
        t.ParameterServer(job, 0, m.params(), b"token")


def test_bad_sizes_and_hyper_parameters_are_errors_not_crashes():
    with pytest.raises(tusk.ConfigError, match=r"hidden.*empty axis"):
        t.Model.from_json(MLP.replace('"units": 64', '"units": 0'))
    # Refused before anything is allocated (it used to abort the interpreter).
    with pytest.raises(tusk.ConfigError, match=r"hidden.*more than 268435456 values per sample"):
        t.Model.from_json(MLP.replace('"units": 64', f'"units": {10**12}'))
    with pytest.raises(tusk.ConfigError, match=r"hidden.*past 2147483648 parameters"):
        t.Model.from_json(MLP.replace('"units": 64', f'"units": {2**27}'))
    m = t.Model.from_json(MLP, seed=1)
    with pytest.raises(tusk.ConfigError, match="learning_rate must be a finite"):
        m.compile(TRAINING.replace('"config": {}', '"config": {"learning_rate": 1e39}'))
    # A learning rate that makes training diverge stops it with the epoch and batch.
    x, y = fashion_mnist(600)
    m.compile(TRAINING.replace('"class_name": "Adam", "config": {}', '"class_name": "SGD", "config": {"learning_rate": 1e30}'))
    with pytest.raises(tusk.DataError, match=r"training diverged: .*epoch 1"):
        m.fit([x], [t.to_categorical(y, 10)], epochs=2, batch_size=32)
    with pytest.raises(tusk.ConfigError, match="rho must be a finite number"):
        t.job_spec("aeasgd", compiled(), rho=float("nan"))


def test_fit_evaluate_predict_and_weights():
    x, y = fashion_mnist(3000)
    m = compiled()
    yc = t.to_categorical(y, 10)
    history = json.loads(m.fit([x], [yc], epochs=3, batch_size=32))
    assert history["epoch"] == [0, 1, 2] and len(history["history"]["accuracy"]) == 3
    logs = dict(m.evaluate([x], [yc]))
    assert logs["accuracy"] > 0.8
    (p,) = m.predict([x[:5]])
    assert p.shape == (5, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    w = m.get_weights()
    assert [a.shape for a in w] == [(784, 64), (64,), (64, 10), (10,)]
    assert m.weight_names() == ["hidden/kernel", "hidden/bias", "classes/kernel", "classes/bias"]
    other = compiled()
    other.set_weights(w)
    np.testing.assert_array_equal(other.predict([x[:5]])[0], p)
    other.set_params(np.zeros(m.n_params, np.float32))
    assert not other.params().any()


def test_a_parameter_server_with_workers_on_threads(tmp_path):
    x, y = fashion_mnist(6000)
    m = compiled()
    job = t.job_spec("downpour", m, epochs=3, batch_size=32, window=4)
    server = t.ParameterServer(job, 2, m.params(), b"job-token")
    address = server.address
    outcomes = [None, None]

    def work(i):
        outcomes[i] = json.loads(t.run_worker(address, b"job-token", i, 0, [x[i::2].copy()], [y[i::2].copy()]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    [th.start() for th in threads]
    [th.join(60) for th in threads]
    report = json.loads(server.wait())
    server.shutdown()
    assert report["commits"] == sum(o["commits"] for o in outcomes) > 0
    assert [len(o["history"]) for o in outcomes] == [3, 3]
    m.set_params(server.weights())
    assert dict(m.evaluate([x], [t.to_categorical(y, 10)]))["accuracy"] > 0.75  # asynchronous: 0.77–0.85 seen
    host, port = address.rsplit(":", 1)
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=2)


def test_a_worker_with_the_wrong_token_is_refused():
    x, y = fashion_mnist(100)
    m = compiled()
    server = t.ParameterServer(t.job_spec("asynchronous", m), 1, m.params(), b"right")
    try:
        with pytest.raises(tusk.TuskError, match="auth|token|closed"):
            t.run_worker(server.address, b"wrong", 0, 0, [x], [y], timeout=5)
    finally:
        server.shutdown()


def test_train_local_runs_every_worker_here():
    x, y = fashion_mnist(3000)
    m = compiled()
    weights, report = t.train_local(t.job_spec("ensemble", m, epochs=2), m.params(), [x], [t.to_categorical(y, 10)], 3)
    assert len(weights) == 3 and json.loads(report)["workers"] == 3
