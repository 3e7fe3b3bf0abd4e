#!/usr/bin/python3
"""Reference numbers for the DXF corpus, computed with Debian's python3-ezdxf.

ezdxf is an independent DXF implementation; the C# DXF reader is compared
against what this script writes (entity counts, kind and layer counts,
extents), see FEATURES.md "Readers" and README.md beside this file.

Run it with Debian's interpreter (/usr/bin/python3): python3-ezdxf is a Debian
package and is not visible to other Python installations on the machine.

    /usr/bin/python3 ezdxf_reference.py [--out FILE] [PATH ...]

PATH is a .dxf file or a folder (searched recursively for *.dxf, any case);
without PATH the corpus folder <repo>/.corpus/dxf is used.
"""

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import ezdxf
from ezdxf import recover
from ezdxf.disassemble import (
    recursive_decompose,
    to_control_vertices,
    to_primitives,
    to_vertices,
)
from ezdxf.math import Vec3

REPO_ROOT = Path(__file__).resolve().parents[3]

# FEATURES.md leaves text out of the extents because its size depends on fonts
# the server does not have. ezdxf would otherwise estimate text boxes from its
# own font metrics, which no other implementation can reproduce.
TEXT_TYPES = frozenset({"TEXT", "MTEXT", "ATTRIB", "ATTDEF", "RTEXT", "ARCALIGNEDTEXT"})

# ezdxf approximates arcs, circles, ellipses and splines by polylines whose
# distance to the true curve is at most `max_flattening_distance` (sagitta).
# Its default of 0.01 drawing units is too coarse for parts a few units wide
# and needlessly fine for site plans, so the sagitta is taken relative to the
# size of the drawing (largest side of the control-vertex box of the same
# primitives). 1e-6 keeps the flattening error four orders of magnitude below
# the 0.1 % agreement tolerance while a full circle spanning the drawing still
# needs only ~1600 segments. Flattened vertices lie ON the curve, so these
# extents can only be smaller than the true ones, by at most the sagitta.
RELATIVE_SAGITTA = 1e-6
# Used when the control-vertex box is degenerate (single point / empty).
FALLBACK_SAGITTA = 1e-6


class FileTimeout(Exception):
    pass


class LoadError(Exception):
    """Both loaders refused the file; the message names both reasons."""


def _on_alarm(signum, frame):
    raise FileTimeout()


def is_text_like(dxftype: str) -> bool:
    return dxftype in TEXT_TYPES or "TEXT" in dxftype


class Measure:
    """Bounding box of the vertices of many primitives, with bookkeeping of
    what did not contribute. Non-finite coordinates are skipped and counted:
    JSON has no NaN/Infinity and they would poison the comparison anyway."""

    def __init__(self):
        self.lo = [math.inf] * 3
        self.hi = [-math.inf] * 3
        self.count = 0
        self.non_finite = 0
        self.empty: dict = {}
        self.failed: dict = {}
        self.first_error = None

    def add(self, v):
        x, y, z = v.x, v.y, v.z
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
            self.non_finite += 1
            return
        self.count += 1
        lo, hi = self.lo, self.hi
        if x < lo[0]: lo[0] = x
        if x > hi[0]: hi[0] = x
        if y < lo[1]: lo[1] = y
        if y > hi[1]: hi[1] = y
        if z < lo[2]: lo[2] = z
        if z > hi[2]: hi[2] = z

    @property
    def box(self):
        return (tuple(self.lo), tuple(self.hi)) if self.count else None


def measure(primitives, vertices_of) -> Measure:
    m = Measure()
    for primitive in primitives:
        kind = primitive.entity.dxftype()
        try:
            points = list(vertices_of(primitive))
        except FileTimeout:
            raise
        except Exception as error:
            # ezdxf itself can fail on one degenerate entity; measure the rest
            # and say which kinds were left out instead of losing the file.
            m.failed[kind] = m.failed.get(kind, 0) + 1
            if m.first_error is None:
                m.first_error = f"{kind}: {type(error).__name__}: {error}"
            continue
        if not points:
            m.empty[kind] = m.empty.get(kind, 0) + 1
        for v in points:
            m.add(v)
    return m


def extents_json(box):
    if box is None:
        return None
    (x0, y0, z0), (x1, y1, z1) = box
    return {"min_x": x0, "min_y": y0, "min_z": z0, "max_x": x1, "max_y": y1, "max_z": z1}


def load(path: str):
    """readfile first: it is what a normal ezdxf user gets. recover only when
    readfile refuses, and the result says so, because recover repairs things a
    strict reader may legitimately reject."""
    try:
        return ezdxf.readfile(path), "readfile", None
    except (FileTimeout, OSError):
        # OSError: unreadable, or ezdxf's "is not a DXF file"; recover would
        # turn even an empty file into an empty drawing.
        raise
    except Exception as strict_error:  # ezdxf raises several unrelated types
        first = f"readfile: {type(strict_error).__name__}: {strict_error}"
    try:
        doc, auditor = recover.readfile(path)
    except FileTimeout:
        raise
    except Exception as error:
        raise LoadError(f"{first}; recover: {type(error).__name__}: {error}") from None
    fixes = {"fixes": len(auditor.fixes), "errors": len(auditor.errors)}
    return doc, "recover", {"readfile_error": first, "audit": fixes}


def spline_reference_points(entity):
    """Points that FEATURES.md uses for a SPLINE's extents: its control
    points (fit points for fit-point-only splines, which carry no control
    points in the file)."""
    points = list(entity.control_points) or list(entity.fit_points)
    return [Vec3(p) for p in points]


def has_width(entity) -> bool:
    kind = entity.dxftype()
    if kind == "LWPOLYLINE":
        return bool(entity.has_width)
    if kind == "POLYLINE":
        return bool(entity.is_2d_polyline and entity.has_width)
    return False


def fix_collapsed_ellipses(entities) -> int:
    """Works around an ezdxf 0.18 defect seen in this corpus: LibreCAD writes
    a full ellipse as params 0 .. 6.28318530718 (2π rounded up), and when
    ezdxf transforms such an ellipse out of a block it normalises the end
    param to 4e-13, i.e. a zero-length arc, whose flattening then divides by
    zero. Start and end params that differ by less than 1e-9 never describe a
    drawable arc, so they are read as the full ellipse the file contains."""
    fixed = 0
    for entity in entities:
        if entity.dxftype() == "ELLIPSE":
            start, end = entity.dxf.start_param, entity.dxf.end_param
            if abs(end - start) < 1e-9:
                entity.dxf.end_param = start + math.tau
                fixed += 1
    return fixed


def analyse(path: str) -> dict:
    doc, loader, recovery = load(path)
    result = {"ok": True, "loader": loader}
    if recovery:
        result.update(recovery)
    result["dxfversion"] = doc.dxfversion
    result["encoding"] = doc.encoding
    result["insunits"] = doc.header.get("$INSUNITS", 0)

    msp = doc.modelspace()
    kinds: dict = {}
    layers: dict = {}
    count = 0
    # Iterating msp yields what CAD tools count: POLYLINE owns its VERTEX and
    # SEQEND records, INSERT owns its ATTRIBs.
    for entity in msp:
        count += 1
        kind = entity.dxftype()
        kinds[kind] = kinds.get(kind, 0) + 1
        layer = entity.dxf.get("layer", "0")
        layers[layer] = layers.get(layer, 0) + 1
    result["entity_count"] = count
    result["kinds"] = kinds
    result["layers"] = layers

    # Counts stand on their own; if measuring fails (self-referencing blocks,
    # timeout, an ezdxf defect) the file still takes part in the count check.
    try:
        measure_extents(msp, result)
    except FileTimeout:
        result["extents"] = result["extents_contract"] = None
        result["extents_error"] = "timeout while measuring extents"
    except RecursionError:
        result["extents"] = result["extents_contract"] = None
        result["extents_error"] = "RecursionError (self-referencing or too deeply nested blocks)"
    except Exception as error:
        result["extents"] = result["extents_contract"] = None
        result["extents_error"] = f"{type(error).__name__}: {error}"
    return result


def measure_extents(msp, result: dict) -> None:
    # Decompose INSERT/DIMENSION/LEADER/MLINE... into plain WCS entities, then
    # drop text before anything is measured.
    skipped: dict = {}
    geometry = []
    for entity in recursive_decompose(msp):
        kind = entity.dxftype()
        if is_text_like(kind):
            skipped[kind] = skipped.get(kind, 0) + 1
        else:
            geometry.append(entity)
    result["extents_excluding"] = list(skipped)
    result["extents_excluded_counts"] = skipped

    result["ellipse_span_fixes"] = fix_collapsed_ellipses(geometry)

    primitives = list(to_primitives(geometry))
    rough = measure(primitives, lambda p: to_control_vertices([p]))
    size = max(hi - lo for lo, hi in zip(*rough.box)) if rough.box else 0.0
    sagitta = size * RELATIVE_SAGITTA if size > 0 else FALLBACK_SAGITTA
    for primitive in primitives:
        # Same as to_primitives(..., max_flattening_distance=sagitta); set
        # afterwards because the sagitta depends on the primitives' own size.
        primitive.max_flattening_distance = sagitta
    result["flattening"] = sagitta

    exact = measure(primitives, lambda p: to_vertices([p]))
    result["extents"] = extents_json(exact.box)
    result["decomposed_count"] = len(geometry)
    # Kinds that contribute no vertex (zero-radius arcs, 3DSOLID, REGION,
    # XLINE, RAY, proxies...): a reader that measures them will disagree.
    result["extents_empty_kinds"] = exact.empty
    if exact.failed:
        result["extents_failed_kinds"] = exact.failed
        result["extents_error"] = exact.first_error
    if exact.non_finite:
        result["non_finite_vertices"] = exact.non_finite

    # FEATURES.md measures a SPLINE by its control points and a polyline by
    # its centre line (vertices and bulge arcs); ezdxf flattens the spline and
    # widens a polyline with width into a trace. Where that changes anything,
    # the contract's variant is given as well.
    splines = sum(1 for e in geometry if e.dxftype() == "SPLINE")
    wide = sum(1 for e in geometry if has_width(e))
    result["splines"] = splines
    result["wide_polylines"] = wide
    if splines or wide:
        from ezdxf.path import make_path

        def contract_vertices(primitive):
            entity = primitive.entity
            if entity.dxftype() == "SPLINE":
                return spline_reference_points(entity)
            if has_width(entity):
                return make_path(entity).flattening(sagitta)
            return primitive.vertices()

        result["extents_contract"] = extents_json(measure(primitives, contract_vertices).box)
    else:
        result["extents_contract"] = result["extents"]


def collect(paths):
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".dxf")
        else:
            files.append(p)
    return sorted(set(files))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="DXF files or folders (default: <repo>/.corpus/dxf)")
    parser.add_argument("--out", default=str(REPO_ROOT / ".corpus" / "ezdxf_reference.json"))
    parser.add_argument("--timeout", type=int, default=30, help="seconds per file (0 = none)")
    args = parser.parse_args()

    files = collect(args.paths or [REPO_ROOT / ".corpus" / "dxf"])
    if not files:
        print("ezdxf_reference: no DXF files found", file=sys.stderr)
        return 2

    names = [f.name for f in files]
    if len(set(names)) != len(names):
        # The output is keyed by file name; the corpus names are unique by
        # construction, a caller mixing folders must not silently lose entries.
        print("ezdxf_reference: duplicate file names among inputs", file=sys.stderr)
        return 2

    signal.signal(signal.SIGALRM, _on_alarm)
    results = {}
    failed = 0
    started = time.perf_counter()
    for f in files:
        t0 = time.perf_counter()
        signal.alarm(args.timeout)
        try:
            entry = analyse(str(f))
        except FileTimeout:
            entry = {"ok": False, "error": f"timeout after {args.timeout} s"}
        except LoadError as error:
            entry = {"ok": False, "error": str(error)}
        except Exception as error:  # one bad file must not stop the run
            entry = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        finally:
            signal.alarm(0)
        entry["seconds"] = round(time.perf_counter() - t0, 6)
        if not entry["ok"]:
            failed += 1
        results[f.name] = entry
    total = time.perf_counter() - started

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    # allow_nan=False: a NaN slipping through must fail here, not in the C# test.
    tmp.write_text(json.dumps(results, indent=1, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out)

    print(
        f"ezdxf_reference: ezdxf {ezdxf.__version__}, files {len(files)}, ok {len(files) - failed}, "
        f"failed {failed}, total {total:.1f} s -> {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
