"""varco_ocr: the varco-ocr library (libvarco-ocr) from Python.

    import varco_ocr
    with varco_ocr.Model("VARCO-VISION-2.0-1.7B-OCR") as model:
        page = model.recognize_file("scan.pdf", page=1)
    for block in page["blocks"]: ...

A page is a dict: the page model of `varco-ocr -f json` (blocks,
paragraphs, lines, words and glyphs with boxes in pixels of the page
raster). Errors raise varco_ocr.Error with the library's message.

The model weights are CC BY-NC 4.0 (non-commercial use only); the library
is AGPL-3.0-or-later.
"""

import ctypes
import ctypes.util
import json
import os

__all__ = ["Error", "Model", "page_count", "recognize_file", "version"]

_TEXT_LAYER = {"auto": 0, "never": 1, "only": 2}
_WEIGHTS = {"auto": 0, "q8": 1, "q4": 2, "bf16": 3, "as-stored": 4}
_KV = {"f32": 0, "bf16": 1, "f16": 2, "q8": 3}
_MATMUL = {"exact": 0, "bf16": 1}


def _load():
    """libvarco-ocr: $VARCO_OCR_LIBRARY, where make install put it, the
    system's search path."""
    names = []
    if os.environ.get("VARCO_OCR_LIBRARY"):
        names.append(os.environ["VARCO_OCR_LIBRARY"])
    try:
        from . import _config
        names.append(os.path.join(_config.LIBDIR, "libvarco-ocr.so.0"))
    except ImportError:
        pass
    found = ctypes.util.find_library("varco-ocr")
    if found:
        names.append(found)
    names.append("libvarco-ocr.so.0")
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("libvarco-ocr was not found (install varco-ocr, or set "
                      "VARCO_OCR_LIBRARY to the library's path): " + "; ".join(errors))


_lib = _load()


class _ModelOpts(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int), ("device", ctypes.c_char_p),
                ("max_tokens", ctypes.c_int), ("weights", ctypes.c_int),
                ("kv_type", ctypes.c_int), ("no_band", ctypes.c_int),
                ("matmul", ctypes.c_int)]


_p = ctypes.c_void_p
_lib.vo_new_ctx.restype = _p
_lib.vo_drop_ctx.argtypes = [_p]
_lib.vo_set_verbosity.argtypes = [_p, ctypes.c_int]
_lib.vo_last_error.restype = ctypes.c_char_p
_lib.vo_last_error.argtypes = [_p]
_lib.vo_version.restype = ctypes.c_char_p
_lib.vo_model_open.argtypes = [_p, ctypes.c_char_p, ctypes.POINTER(_ModelOpts),
                               ctypes.POINTER(_p)]
_lib.vo_model_close.argtypes = [_p]
_lib.vo_file_page_count.argtypes = [_p, ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.POINTER(ctypes.c_int)]
_lib.vo_recognize_file.argtypes = [_p, _p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                                   ctypes.c_float, ctypes.c_int, ctypes.POINTER(_p)]
_lib.vo_recognize_image.argtypes = [_p, _p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_int, ctypes.c_float, ctypes.POINTER(_p)]
_lib.vo_page_to_json.argtypes = [_p, _p, ctypes.POINTER(_p), ctypes.POINTER(ctypes.c_size_t)]
_lib.vo_page_write.argtypes = [_p, _p, ctypes.c_char_p, ctypes.c_char_p]
_lib.vo_drop_page.argtypes = [_p]
_lib.vo_free_string.argtypes = [_p]


class Error(Exception):
    """A failed call; .status is the library's vo_status number."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Ctx:
    """A vo_ctx for one call (a context belongs to one thread)."""

    def __init__(self, verbosity):
        self.ptr = _lib.vo_new_ctx()
        if not self.ptr:
            raise MemoryError("varco_ocr: out of memory")
        _lib.vo_set_verbosity(self.ptr, verbosity)

    def check(self, status):
        if status:
            raise Error(status, _lib.vo_last_error(self.ptr).decode("utf-8", "replace"))

    def close(self):
        _lib.vo_drop_ctx(self.ptr)
        self.ptr = None


def _path(p):
    return os.fsencode(p)


def _page_dict(ctx, page):
    """The page's JSON as a dict; the page is dropped."""
    text, n = _p(), ctypes.c_size_t()
    try:
        ctx.check(_lib.vo_page_to_json(ctx.ptr, page, ctypes.byref(text), ctypes.byref(n)))
        doc = json.loads(ctypes.string_at(text, n.value).decode("utf-8"))
    finally:
        _lib.vo_free_string(text)
        _lib.vo_drop_page(page)
    return doc["pages"][0]


def version():
    """The library's version string."""
    return _lib.vo_version().decode()


def page_count(path, password=None):
    """How many pages the document at `path` has."""
    ctx, n = _Ctx(1), ctypes.c_int()
    try:
        ctx.check(_lib.vo_file_page_count(ctx.ptr, _path(path),
                                          password.encode() if password else None,
                                          ctypes.byref(n)))
    finally:
        ctx.close()
    return n.value


def recognize_file(path, page=1, model=None, dpi=0, text_layer="auto", password=None,
                   verbosity=1):
    """Page `page` (1-based) of a document as a dict; `model` (a Model) is
    needed where a page has no reliable text layer or text_layer="never"."""
    if text_layer not in _TEXT_LAYER:
        raise ValueError("text_layer is one of " + ", ".join(_TEXT_LAYER))
    ctx, out = _Ctx(verbosity), _p()
    try:
        ctx.check(_lib.vo_recognize_file(ctx.ptr, model._ptr if model else None, _path(path),
                                         password.encode() if password else None, page,
                                         dpi, _TEXT_LAYER[text_layer], ctypes.byref(out)))
        return _page_dict(ctx, out)
    finally:
        ctx.close()


class Model:
    """An opened model folder (None: where the command looks for it)."""

    def __init__(self, path=None, threads=0, device=None, max_tokens=0, weights="auto",
                 kv_type="f32", bands=True, verbosity=1, matmul="exact"):
        opts = _ModelOpts(threads, device.encode() if device else None, max_tokens,
                          _WEIGHTS[weights], _KV[kv_type], 0 if bands else 1, _MATMUL[matmul])
        self._verbosity = verbosity
        self._ptr = _p()
        ctx = _Ctx(verbosity)
        try:
            ctx.check(_lib.vo_model_open(ctx.ptr, _path(path) if path else None,
                                         ctypes.byref(opts), ctypes.byref(self._ptr)))
        finally:
            ctx.close()

    def recognize_file(self, path, page=1, dpi=0, text_layer="auto", password=None):
        """Page `page` of a document as a dict (see varco_ocr.recognize_file)."""
        return recognize_file(path, page, self, dpi, text_layer, password, self._verbosity)

    def recognize_image(self, rgb, width, height, dpi=0):
        """OCR of an 8-bit RGB image (bytes of width*height*3) as a dict."""
        if len(rgb) < width * height * 3:
            raise ValueError("rgb holds fewer than width*height*3 bytes")
        ctx, out = _Ctx(self._verbosity), _p()
        try:
            ctx.check(_lib.vo_recognize_image(ctx.ptr, self._ptr, bytes(rgb), width, height,
                                              width * 3, dpi, ctypes.byref(out)))
            return _page_dict(ctx, out)
        finally:
            ctx.close()

    def close(self):
        """Free the model (also done by `with` and when collected)."""
        if getattr(self, "_ptr", None):
            _lib.vo_model_close(self._ptr)
            self._ptr = _p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
