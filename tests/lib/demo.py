"""demo.py: a page of a document through the Python binding, as JSON.
   [VO_DEMO_MAX_TOKENS=N] python3 demo.py MODEL_DIR|- FILE PAGE"""
import json
import os
import sys

import varco_ocr

if len(sys.argv) != 4:
    sys.exit("usage: demo.py MODEL_DIR|- FILE PAGE")
model_dir, path, page = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    model = None if model_dir == "-" else varco_ocr.Model(
        model_dir, threads=1, max_tokens=int(os.environ.get("VO_DEMO_MAX_TOKENS", "0")))
    result = varco_ocr.recognize_file(path, page, model)
except varco_ocr.Error as e:
    sys.exit("demo.py: %s (status %d)" % (e, e.status))
words = [w["text"] for b in result["blocks"] for p in b["paragraphs"]
         for l in p["lines"] for w in l["words"]]
print(json.dumps({"pages": [result]}, ensure_ascii=False))
print("%d words, version %s" % (len(words), varco_ocr.version()), file=sys.stderr)
