"""tusk._tusk: the Rust core (tusk-core, tusk-dist) as seen from Python. Thin: numpy in and out,
JSON strings for configs and reports, every Rust error kind its own exception class under
TuskError. All arrays are converted to C-contiguous float32 by the caller (tusk.keras does it).
Long calls (fit, evaluate, predict, run_worker, ParameterServer.wait) release the GIL."""
from typing import Optional, Sequence
import numpy as np

# The exception classes are those of tusk.errors (defined once, in Python; Rust raises them):
from tusk.errors import (TuskError, ShapeError, ConfigError, UnsupportedError, DataError, StateError, TuskIOError,
                         FormatError, ProtocolError, AuthError, TuskTimeoutError, WorkerLostError, ServerError)

MODES: list[str]         # Elephas modes, from tusk_dist::Algorithm::modes()
TRAINERS: list[str]      # dist-keras trainers, from tusk_dist::Algorithm::trainers()
FREQUENCIES: list[str]   # Elephas' commit frequencies, from tusk_dist::Frequency
JOB_SETTINGS: list[str]  # the fields of tusk_dist::JobSettings, job_spec's keyword arguments
SERVER_SETTINGS: list[str]  # the fields of tusk_dist::ServerSettings, ParameterServer's keyword arguments

class Model:
    """A tusk-core model: Keras JSON architecture, weights in one float32 buffer."""
    @staticmethod
    def from_json(text: str, seed: int = 0) -> "Model": ...   # Keras 3 or tf.keras 2 model.to_json()
    @staticmethod
    def load(path: str) -> "Model": ...                     # a directory written by save()
    def save(self, path: str) -> None: ...
    def save_weights(self, path: str) -> None: ...           # safetensors, "layer/weight" names
    def load_weights(self, path: str) -> None: ...
    learning_rate: Optional[float]                            # the optimizer's; settable, state kept
    def to_json(self) -> str: ...                            # Keras 3 JSON
    def compile(self, training_config: str) -> None: ...     # JSON {"loss": [..], "metrics": [..], "optimizer": keras optimizer config, "loss_weights"?: [..]}
    def set_metrics(self, metrics: Sequence[str]) -> None: ...   # keeps the losses and the optimizer state
    def training_config(self) -> Optional[str]: ...          # JSON as above, None before compile
    def fit(self, x: Sequence[np.ndarray], y: Sequence[np.ndarray], epochs: int = 1, batch_size: int = 32,
            validation_split: float = 0.0, validation_data: Optional[tuple] = None, shuffle: bool = True,
            seed: int = 0, initial_epoch: int = 0, verbose: int = 0) -> str: ...
        # returns JSON {"epoch": [0, 1, ..], "history": {"loss": [..], "accuracy": [..], "val_loss": [..]}}
    def evaluate(self, x: Sequence[np.ndarray], y: Sequence[np.ndarray], batch_size: int = 32) -> list[tuple[str, float]]: ...
    def predict(self, x: Sequence[np.ndarray], batch_size: int = 32) -> list[np.ndarray]: ...  # one array per output
    def train_on_batch(self, x: Sequence[np.ndarray], y: Sequence[np.ndarray]) -> list[tuple[str, float]]: ...
    def conform_inputs(self, x: Sequence[np.ndarray]) -> list[np.ndarray]: ...   # one table: reshaped, or split by columns per input
    def conform_targets(self, y: Sequence[np.ndarray]) -> list[np.ndarray]: ...
        # per output, as its loss takes them: class indices one-hot for categorical_crossentropy,
        # [n] made [n, 1] for element-wise losses (what run_worker and train_local do); unchanged before compile
    def get_weights(self) -> list[np.ndarray]: ...           # Keras order and shapes
    def set_weights(self, weights: Sequence[np.ndarray]) -> None: ...
    def weight_names(self) -> list[str]: ...                 # "layer/weight"
    def params(self) -> np.ndarray: ...                      # the flat float32 buffer (a copy)
    def set_params(self, values: np.ndarray) -> None: ...
    def summary(self) -> str: ...
    @property
    def n_params(self) -> int: ...
    @property
    def input_shapes(self) -> list[list[int]]: ...           # without the batch axis
    @property
    def output_shapes(self) -> list[list[int]]: ...

def to_categorical(labels: np.ndarray, num_classes: Optional[int] = None) -> np.ndarray: ...  # float32 one-hot

def job_spec(algorithm: str, model: Model, **settings) -> str: ...
    # The JobSpec JSON for a compiled model. algorithm: one of MODES or TRAINERS. settings: the
    # JOB_SETTINGS (all optional; None: the default), deserialised into tusk_dist::JobSettings
    # (an unknown one is a ConfigError naming it): frequency ("epoch"|"batch"), epochs, batch_size, window,
    # rho, elastic_lr, momentum, driver_optimizer (any optimizer name, or a Keras config as dict or JSON str),
    # compression ("none"|"fp16"|"bf16"|"topk:F"), seed, shuffle, stop_at_accuracy, stop_at_loss,
    # validation_split (each worker holds back that fraction of its shard; val_* in histories).
    # Errors name the bad setting (ConfigError).

def train_local(job: str, weights: np.ndarray, x: Sequence[np.ndarray], y: Sequence[np.ndarray], workers: int,
                first_member: int = 0) -> tuple[list[np.ndarray], str]: ...
    # Runs the whole job with worker threads in this process (data conformed as in run_worker). Returns (flat weights of each
    # trained model: the center, or every ensemble member; the report JSON of tusk_dist::ServerReport).
    # first_member: an ensemble trained in parts numbers (and seeds) its members from this index.

def merge_reports(reports: Sequence[str]) -> str: ...
    # One report (JSON) of a job run in parts (ServerReport::merge): counts added, workers in order.

class ParameterServer:
    """A parameter server on a background Rust thread of this process, listening on TCP."""
    def __init__(self, job: str, workers: int, weights: np.ndarray, token: bytes, listen: str = "127.0.0.1:0",
                 **settings) -> None: ...
        # settings: SERVER_SETTINGS (tusk_dist::ServerSettings): checkpoint_dir, checkpoint_every, resume,
        # registration_timeout (120 s), idle_timeout (600 s); an unknown one is a ConfigError naming it.
    @property
    def address(self) -> str: ...                            # "host:port" actually bound
    def wait(self) -> str: ...                               # blocks until the job ends; report JSON; raises on failure/timeout
    def weights(self) -> np.ndarray: ...                     # the center now (flat float32)
    def fail(self, reason: str) -> None: ...                 # fail the job (releases waiting workers)
    def shutdown(self) -> None: ...                          # close the port and all connections (idempotent; also on GC)

def run_worker(address: str, token: bytes, worker: int, attempt: int, x: Sequence[np.ndarray],
               y: Sequence[np.ndarray], timeout: float = 30.0, threads: int = 0) -> str: ...
    # threads: kernel threads of this process (0: leave as is; Spark tasks sharing an executor
    # should split its cores). Connects, says hello, trains on the shard (x, y) (features reshaped to the model's input
    # when only the layout differs; class-index labels one-hot encoded for
    # categorical_crossentropy), returns the worker's outcome JSON
    # (tusk_dist::WorkerOutcome) {"worker", "history": [{"epoch", "seconds", "samples", "logs": {..}}], "commits",
    #  "samples_trained", "bytes_sent", "bytes_received", "seconds"}.
