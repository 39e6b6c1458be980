"""Elephas' `elephas.utils.serialization`: a model as `{"model": JSON, "weights": arrays}` and
back (tusk.keras models, or real Keras models given as they are)."""


def model_to_dict(model):
    return dict(model=model.to_json(), weights=model.get_weights())


def dict_to_model(_dict, custom_objects=None):
    from tusk.keras.models import model_from_json

    model = model_from_json(_dict["model"], custom_objects)
    model.set_weights(_dict["weights"])
    return model
