#!/usr/bin/env python3
# compare-dump.py: compare a vlm-probe --dump folder with one golden case of a
# fixture manifest (dtype, shape, tolerance per key; ids and uint8 exact).
"""usage: compare-dump.py MANIFEST CASE DUMP_DIR [--e2e] [--require KEY,...]
                       [--bound KEY=ATOL,...]

Prints one line per compared key ("ok KEY ..." or "FAIL KEY ...") and exits 1
when any compared key, or any required key, fails. --e2e applies the
manifest's end-to-end tolerance to logits_last (own preprocessing). --bound
replaces the tolerance of the named float32 keys by an absolute bound: only
for runs that are not meant to match the goldens to their tolerance (a
bf16/f16 KV cache, tests/vlm/probe.sh section 5), never for f32 runs."""
import array
import hashlib
import json
import os
import sys


def tolerance(case, key):
    t = case.get("tolerances", {}).get(key)
    if isinstance(t, dict) and "atol" in t:
        return float(t["atol"]), float(t.get("rtol", 0.0))
    return None  # exact


def main():
    args = sys.argv[1:]
    e2e = "--e2e" in args
    required = []
    if "--require" in args:
        required = args[args.index("--require") + 1].split(",")
    bounds = {}
    if "--bound" in args:
        for kv in args[args.index("--bound") + 1].split(","):
            k, v = kv.split("=")
            bounds[k] = float(v)
    pos = [a for i, a in enumerate(args) if not a.startswith("--")
           and (i == 0 or args[i - 1] not in ("--require", "--bound"))]
    if len(pos) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    manifest, cname, dump = pos
    with open(manifest, encoding="utf-8") as f:
        m = json.load(f)
    case = m["cases"][cname]
    gdir = os.path.join(os.path.dirname(manifest), cname)
    bad = 0
    seen = set()
    for key, spec in case.get("files", {}).items():
        got_path = os.path.join(dump, key + ".bin")
        if not os.path.exists(got_path):
            continue
        seen.add(key)
        with open(os.path.join(gdir, spec["file"]), "rb") as f:
            gold = f.read()
        with open(got_path, "rb") as f:
            got = f.read()
        if len(got) != len(gold):
            print(f"FAIL {key}: {len(got)} bytes, golden {len(gold)} (shape {spec['shape']})")
            bad += 1
            continue
        tol = tolerance(case, key)
        if e2e and key == "logits_last":
            t = case["tolerances"].get("end_to_end_if_own_preprocessing_not_bit_exact", {})
            if "logits_last" in t:
                tol = (float(t["logits_last"]["atol"]), 0.0)
        if key in bounds:
            tol = (bounds[key], 0.0)
        if spec["dtype"] != "float32" or tol is None:
            if got != gold:
                diff = sum(1 for a, b in zip(got, gold) if a != b)
                print(f"FAIL {key}: {diff} of {len(gold)} bytes differ ({spec['dtype']}, exact)")
                bad += 1
            else:
                print(f"ok {key}: identical ({spec['dtype']} {spec['shape']})")
            continue
        a, g = array.array("f"), array.array("f")
        a.frombytes(got)
        g.frombytes(gold)
        atol, rtol = tol
        worst, nbad = 0.0, 0
        for x, y in zip(a, g):
            d = abs(x - y)
            if not d <= atol + rtol * abs(y):
                nbad += 1
            if d > worst or d != d:
                worst = d if d == d else float("inf")
        if nbad:
            print(f"FAIL {key}: {nbad} of {len(g)} values outside atol {atol} rtol {rtol} "
                  f"(max abs err {worst:.3g})")
            bad += 1
        else:
            print(f"ok {key}: max abs err {worst:.3g} (atol {atol}, rtol {rtol})")
    for key, h in case.get("hashes", {}).items():
        got_path = os.path.join(dump, key + ".bin")
        if isinstance(h, dict):
            h = h.get("sha256")
        if not os.path.exists(got_path) or not isinstance(h, str):
            continue
        seen.add(key)
        with open(got_path, "rb") as f:
            dig = hashlib.sha256(f.read()).hexdigest()
        if dig != h:
            print(f"FAIL {key}: sha256 differs from the manifest hash")
            bad += 1
        else:
            print(f"ok {key}: sha256 identical")
    for key in required:
        if key and key not in seen:
            print(f"FAIL {key}: not in the dump or not in the manifest")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
