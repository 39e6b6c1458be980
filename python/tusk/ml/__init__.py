"""tusk with Spark ML: DataFrame adapters (`tusk.ml.adapter`) and Elephas' Params mixins
(`tusk.ml.params`), as `elephas.ml` has them."""
from tusk.ml.adapter import *  # noqa: F401,F403
from tusk.ml.params import *  # noqa: F401,F403
