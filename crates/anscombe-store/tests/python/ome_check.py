"""Checks an OME-Zarr image written by anscombe-zarr the way other tools will see it.

Usage: ome_check.py IMAGE.ome.zarr
1. The group's attributes validate against the published OME-Zarr 0.5 JSON schemas
   (image.schema and strict_image.schema, as shipped in the ngff-zarr package, with the
   schemas they refer to).
2. ome-zarr-models (the OME community's pydantic models) opens the image.
3. zarr-python reads every level.
Prints JSON: the schema verdict, the levels' shapes, dimension names, dtypes, and their sums.
"""
import importlib.util
import json
import pathlib
import sys

import jsonschema
import numpy as np
import referencing
import referencing.jsonschema
import zarr
from ome_zarr_models.v05.image import Image


def schemas():
    # ngff-zarr is installed without its dependencies: locate it without importing it.
    root = pathlib.Path(importlib.util.find_spec("ngff_zarr").submodule_search_locations[0])
    folder = root / "spec" / "0.5" / "schemas"
    loaded = {p.name: json.loads(p.read_text()) for p in folder.glob("*.schema")}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.jsonschema.DRAFT202012.create_resource(schema))
        for schema in loaded.values()
    )
    return [loaded["image.schema"], loaded["strict_image.schema"]], registry


def main():
    path = sys.argv[1]
    group = zarr.open_group(path, mode="r")
    attributes = dict(group.attrs)
    checked, registry = schemas()
    errors = [
        e.message
        for schema in checked
        for e in jsonschema.Draft202012Validator(schema, registry=registry).iter_errors(attributes)
    ]
    # The validators must be able to fail: a copy with one space axis and no version must not pass.
    broken = json.loads(json.dumps(attributes))
    del broken["ome"]["version"]
    broken["ome"]["multiscales"][0]["axes"] = broken["ome"]["multiscales"][0]["axes"][:1]
    rejects_broken = all(
        any(True for _ in jsonschema.Draft202012Validator(schema, registry=registry).iter_errors(broken))
        for schema in checked
    )
    image = Image.from_zarr(group)
    levels = []
    for dataset in image.ome_attributes.multiscales[0].datasets:
        array = group[dataset.path]
        data = array[...]
        levels.append({
            "path": dataset.path,
            "shape": list(array.shape),
            "dimension_names": list(array.metadata.dimension_names or []),
            "dtype": str(array.dtype),
            "sum": float(np.asarray(data, dtype=np.float64).sum()),
            "codecs": [c["name"] for c in array.metadata.to_dict()["codecs"]],
        })
    print(json.dumps({"schema_errors": errors, "schema_rejects_broken": rejects_broken, "levels": levels}))


if __name__ == "__main__":
    main()
