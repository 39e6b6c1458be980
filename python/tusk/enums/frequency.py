"""`Frequency`: how often Elephas' workers exchange weights with the server."""
from enum import Enum


class Frequency(str, Enum):
    EPOCH = "epoch"
    BATCH = "batch"

    def __str__(self):
        return self.value
