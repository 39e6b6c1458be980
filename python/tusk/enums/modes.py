"""`Mode`: Elephas' training modes."""
from enum import Enum


class Mode(str, Enum):
    SYNCHRONOUS = "synchronous"
    ASYNCHRONOUS = "asynchronous"
    HOGWILD = "hogwild"

    def __str__(self):
        return self.value
