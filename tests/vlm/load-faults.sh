#!/bin/sh
# load-faults.sh (make fuzz): tests/vlm/test-vlm-load-faults with every
# allocation of the open and of a page failing in turn (make check takes
# every 3rd).
set -e
cd "$top_builddir"
VO_FAULT_STRIDE=1 ./tests/vlm/test-vlm-load-faults
