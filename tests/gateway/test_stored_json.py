"""The pay run's stored JSON text is `json.dumps`' byte for byte: the digests of locked runs seal those bytes."""

from __future__ import annotations

import json

import numpy as np

from gateway.pay.stored_json import int_objects


def test_int_objects_are_json_dumps_of_each_row() -> None:
    columns = {
        "gross_fen": np.array([600000, -5, 0, 2**62], dtype=np.int64),
        "days": np.array([21, 0, 3, 1], dtype=np.int32),
        "é": np.array([1, 2, 3, 4], dtype=np.uint8),
    }
    rows = range(1, 4)
    expected = [json.dumps({name: int(column[i]) for name, column in columns.items()}) for i in rows]
    assert int_objects(columns, rows) == expected
    assert expected[0] == '{"gross_fen": -5, "days": 0, "\\u00e9": 2}'


def test_int_objects_write_a_bool_column_as_json_booleans() -> None:
    columns = {"flag": np.array([True, False]), "fen": np.array([7, 8])}
    assert int_objects(columns, range(2)) == ['{"flag": true, "fen": 7}', '{"flag": false, "fen": 8}']


def test_int_objects_of_no_columns_are_empty_objects() -> None:
    assert int_objects({}, range(3, 5)) == ["{}", "{}"]
