"""Elephas' `elephas.utils.serialization`: a model as `{"model": JSON, "weights": arrays}` and
back: a tusk.keras model, or, for JSON that real Keras wrote (and Keras installed), a real
Keras model, as Elephas gave it back."""


def model_to_dict(model):
    return dict(model=model.to_json(), weights=model.get_weights())


def dict_to_model(_dict, custom_objects=None):
    from tusk.keras.interop import keras_available, keras_module, written_by_keras
    from tusk.keras.models import model_from_json

    text = _dict["model"]
    if written_by_keras(text) and keras_available():
        model = keras_module().models.model_from_json(text, custom_objects=custom_objects)
    else:
        model = model_from_json(text, custom_objects)
    model.set_weights(_dict["weights"])
    return model
