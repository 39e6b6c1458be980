"""What a distributed training job on Spark gives back (`tusk.spark.runner.train` and
`tusk.spark.serverless.train` alike)."""
from typing import List, NamedTuple, Union

import numpy as np


class TrainResult(NamedTuple):
    """`weights`: the trained flat float32 weights (for `ensemble`, a list: one per member);
    `report`: the server's report; `outcomes`: each worker's outcome, in partition order."""

    weights: Union[np.ndarray, List[np.ndarray]]
    report: dict
    outcomes: List[dict]

    @property
    def members(self) -> List[np.ndarray]:
        return self.weights if isinstance(self.weights, list) else [self.weights]
