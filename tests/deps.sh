#!/bin/sh
# deps.sh: install everything varco-ocr needs to build, run and test on
# Debian 12 (apt-get, as root or through sudo). README and .ci/run use it.
#   tests/deps.sh          build + run dependencies
#   tests/deps.sh --test   also what the test suite needs
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD="build-essential autoconf automake libtool pkg-config \
 libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libjpeg-dev \
 libtiff-dev libharfbuzz-dev libfreetype-dev libfontconfig-dev libleptonica-dev \
 ocl-icd-opencl-dev opencl-headers libxml2-dev \
 libjansson-dev libpcre2-dev libutf8proc-dev fonts-noto-cjk"

# Tests: schema checks (xmllint), independent extractors and checkers
# (poppler, qpdf, mutool, tiffinfo), OpenCL on the CPU (PoCL), the man
# page linter, OCRmyPDF's hOCR reader, clang for the fuzz targets, and an
# independent edit distance for eval (python3-levenshtein), a TrueType
# Korean font to embed in a test PDF the way word processors do (fonts-nanum),
# and the Adobe-Korea1 CMaps that code another (poppler-data).
TEST="libxml2-utils poppler-utils qpdf mupdf-tools libtiff-tools pocl-opencl-icd \
 mandoc ocrmypdf python3 python3-levenshtein clang libclang-rt-14-dev valgrind parallel \
 fonts-nanum poppler-data"

PKGS="$BUILD"
if [ "${1:-}" = "--test" ]; then PKGS="$BUILD $TEST"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS

# Node.js and npm for the JS tokenizer cross-check: a machine may already
# have a Node.js build that bundles npm (and conflicts with Debian's npm).
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
# The JS tokenizer (@huggingface/tokenizers, pinned in package-lock.json),
# an independent reference for token ids.
if [ "${1:-}" = "--test" ]; then
    (cd "$(dirname "$0")/tokenizer-js" && npm ci --no-audit --no-fund --loglevel=error)
fi
