/* model_dir.h: where the model folder is when none is named. */
#ifndef VO_MODEL_DIR_H
#define VO_MODEL_DIR_H

/* The model folder: `option` (--model), $VARCO_OCR_MODEL,
 * $XDG_DATA_HOME/varco-ocr/VARCO-VISION-2.0-1.7B-OCR (~/.local/share/…),
 * then the system data dir. Returns a malloc'd path of a folder holding
 * config.json, or NULL. */
char *vo_find_model_dir(const char *option);

#endif
