"""Batch DXF transforms for build/evaluate (an independent implementation: ezdxf's own entity transforms).

Input: a JSON file [{"src": path, "dst": path, "m": [16 numbers, row-major 4x4]}, ...].
Every model-space entity is transformed; entities ezdxf cannot transform are left out and counted.
Prints one JSON line per job: {"dst": ..., "ok": bool, "skipped": n, "error": str|null}.
"""
import json
import sys

import ezdxf
from ezdxf.math import Matrix44

jobs = json.load(open(sys.argv[1]))
for job in jobs:
    result = {"dst": job["dst"], "ok": False, "skipped": 0, "error": None}
    try:
        doc = ezdxf.readfile(job["src"])
        m = job["m"]
        matrix = Matrix44(m[0:4], m[4:8], m[8:12], m[12:16])
        # ezdxf multiplies row vectors: transpose the column-vector matrix we were given.
        matrix.transpose()
        msp = doc.modelspace()
        for entity in list(msp):
            try:
                entity.transform(matrix)
            except Exception:  # noqa: BLE001 - an entity type ezdxf cannot transform
                msp.delete_entity(entity)
                result["skipped"] += 1
        doc.saveas(job["dst"])
        result["ok"] = True
    except Exception as exc:  # noqa: BLE001 - report and go on with the next file
        result["error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(result), flush=True)
