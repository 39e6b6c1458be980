"""Elephas' `elephas.utils.functional_utils`: element-wise arithmetic on lists of weight arrays
(numpy does the work; these are the names Elephas users call)."""
import numpy as np


def add_params(param_list_left, param_list_right):
    return [np.add(x, y) for x, y in zip(param_list_left, param_list_right)]


def subtract_params(param_list_left, param_list_right):
    return [np.subtract(x, y) for x, y in zip(param_list_left, param_list_right)]


def get_neutral(array_list):
    return [np.zeros_like(x) for x in array_list]


def divide_by(array_list, num_workers):
    return [np.divide(x, num_workers) for x in array_list]
