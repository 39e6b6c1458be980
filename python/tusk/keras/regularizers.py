"""``tusk.keras.regularizers``: recorded so that code using them builds its layers; the Rust
core does not implement weight regularization and names the layer and option it refuses."""


class Regularizer:
    class_name = None

    def __init__(self, **config):
        self._config = config

    def get_config(self):
        return {"class_name": self.class_name, "config": dict(self._config)}


class L1(Regularizer):
    class_name = "L1"

    def __init__(self, l1=0.01):
        super().__init__(l1=float(l1))


class L2(Regularizer):
    class_name = "L2"

    def __init__(self, l2=0.01):
        super().__init__(l2=float(l2))


class L1L2(Regularizer):
    class_name = "L1L2"

    def __init__(self, l1=0.0, l2=0.0):
        super().__init__(l1=float(l1), l2=float(l2))


l1, l2, l1_l2 = L1, L2, L1L2
