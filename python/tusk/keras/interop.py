"""Real Keras <-> tusk: ``to_keras`` (a tusk.keras model -> a ``keras.Model`` with the same
weights and compile settings; ``loading.from_keras`` is the reverse), and what both directions
share. Only the conversions need the ``keras`` package; without it they raise a clear
``ImportError``. Below the model classes: it knows a model by what it has, not by its class.

Python custom layers cannot run in Rust. ``resolve_custom_objects`` rewrites names that
``custom_objects`` maps to built-in Keras layers or activations (aliases), traces Python
activation functions it maps (``tracing``), and raises ``UnsupportedError`` naming every other
custom layer or activation in the model JSON.
"""
import json

from . import losses as losses_mod
from .._tusk import UnsupportedError
from .activations import NAMES as ACTIVATIONS
from .layers import LAYER_CLASSES
from .layers.base import Layer
from .tracing import TRACED, activation_config


def keras_module():
    try:
        import keras
    except ImportError as e:
        raise ImportError("this needs the keras package (pip install keras tensorflow-cpu); tusk itself "
                          "saves and loads models as directories: model.save('dir'), load_model('dir')") from e
    return keras


def is_keras_model(obj):
    return any(c.__module__.split(".")[0] in ("keras", "tf_keras", "tensorflow") and c.__name__ in ("Model", "Sequential")
               for c in type(obj).__mro__) or (hasattr(obj, "to_json") and hasattr(obj, "get_weights")
                                               and hasattr(obj, "layers") and not hasattr(obj, "_core"))


def keras_available() -> bool:
    try:
        keras_module()
    except ImportError:
        return False
    return True


def written_by_keras(text) -> bool:
    """Whether model JSON text is Keras' own ``to_json()`` (Keras 3 writes ``build_config`` and
    ``compile_config`` beside the architecture, tf.keras 2 ``keras_version``; tusk none)."""
    try:
        spec = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return False
    return isinstance(spec, dict) and any(k in spec for k in ("build_config", "compile_config", "keras_version"))


def _builtin_layer(target):
    if isinstance(target, str):
        return target if target in LAYER_CLASSES else None
    if isinstance(target, type):
        if issubclass(target, Layer) and target.class_name in LAYER_CLASSES:
            return target.class_name
        if target.__module__.startswith("keras") and target.__name__ in LAYER_CLASSES:
            return target.__name__
    return None


def _builtin_activation(target, name):
    """The config value for activation ``name`` that ``custom_objects`` maps to ``target``: a
    built-in's name, or a Python function traced (``tracing``); None when there is none."""
    if isinstance(target, str):
        return target if target in ACTIVATIONS else None
    fname, module = getattr(target, "__name__", None), getattr(target, "__module__", "") or ""
    if fname in ACTIVATIONS and module.split(".")[0] in ("keras", "tensorflow", "tusk"):
        return fname
    if callable(target) and not isinstance(target, type):
        return activation_config(target, name)
    return None


def _lookup(custom_objects, names):
    for n in names:
        if n and n in (custom_objects or {}):
            return custom_objects[n]
    return None


def resolve_custom_objects(text, custom_objects=None):
    """The model JSON with aliases resolved; raises naming the custom objects it cannot run."""
    spec = json.loads(text) if isinstance(text, str) else text
    config = spec.get("config")
    entries = config if isinstance(config, list) else (config or {}).get("layers") or []
    problems = []
    for entry in entries:
        cls, module, reg = entry.get("class_name"), entry.get("module"), entry.get("registered_name")
        cfg = entry.get("config") or {}
        name = entry.get("name") or cfg.get("name") or cls
        custom = module is not None and not str(module).startswith("keras")
        target = _lookup(custom_objects, [reg, cls])
        if target is not None or custom:
            alias = _builtin_layer(target)
            if alias is not None:
                entry.update(class_name=alias, module="keras.layers", registered_name=None)
            elif custom:
                problems.append(f"layer '{name}' (class {cls} from module {module})")
        for key in ("activation", "recurrent_activation"):
            value = cfg.get(key)
            if isinstance(value, dict) and value.get("class_name") == TRACED:
                continue  # already traced: the Rust core runs it
            if isinstance(value, dict):  # a serialized Python function: custom
                fname = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
                alias = _builtin_activation(_lookup(custom_objects, [value.get("registered_name"), fname]), fname)
                if alias is not None:
                    cfg[key] = alias
                else:
                    problems.append(f"activation '{fname}' of layer '{name}'")
            elif isinstance(value, str) and value in (custom_objects or {}):
                alias = _builtin_activation(custom_objects[value], value)
                if alias is not None:
                    cfg[key] = alias
                elif value not in ACTIVATIONS:
                    problems.append(f"activation '{value}' of layer '{name}'")
    if problems:
        raise UnsupportedError("the model uses Python custom objects, which tusk cannot run: " + "; ".join(problems)
                               + ". custom_objects may map names to built-in Keras layers or activations, or to "
                               "elementwise activation functions (traced).")
    return json.dumps(spec)


def resolve_loss(loss, custom_objects=None):
    """A loss argument with names that ``custom_objects`` maps to Python functions replaced by
    those functions (which compile traces); lists and dicts per output too."""
    if isinstance(loss, str) and callable((custom_objects or {}).get(loss)):
        return custom_objects[loss]
    if isinstance(loss, (list, tuple)):
        return [resolve_loss(entry, custom_objects) for entry in loss]
    if isinstance(loss, dict) and "class_name" not in loss:
        return {k: resolve_loss(v, custom_objects) for k, v in loss.items()}
    return loss


def _keras_loss(keras, entry):
    loss = losses_mod.get(entry)
    if isinstance(loss, losses_mod.Loss):
        cls = getattr(keras.losses, loss.class_name)
        return cls(**loss.get_config())
    return loss if isinstance(loss, str) else entry


def to_keras(model, architecture=None, custom_objects=None):
    """A real ``keras.Model`` with this model's architecture (or ``architecture``, the Keras
    JSON text the user's own Keras model wrote for it, read back as it is), weights and
    compile settings; ``custom_objects`` as Keras' ``model_from_json`` takes them."""
    keras = keras_module()
    km = keras.models.model_from_json(architecture or model.to_json(), custom_objects=custom_objects or None)
    km.set_weights(model.get_weights())
    config = model._training_config
    if config is not None:
        opt = config["optimizer"]
        optimizer = keras.optimizers.deserialize({"module": "keras.optimizers", "class_name": opt["class_name"],
                                                  "config": opt["config"], "registered_name": None})
        loss = [_keras_loss(keras, entry) for entry in config["loss"]]
        n_out = len(km.outputs)
        metrics = list(config.get("metrics") or []) or None
        if metrics and n_out > 1:  # Keras 3 wants one list per output
            metrics = [list(metrics) for _ in range(n_out)]
        if len(loss) == 1 and n_out > 1:
            loss = loss * n_out
        km.compile(optimizer=optimizer, loss=loss[0] if len(loss) == 1 else loss, metrics=metrics,
                   loss_weights=config.get("loss_weights"))
    return km
