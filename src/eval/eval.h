/* eval.h: `varco-ocr eval GT PRED`: OCR output scored against ground
 * truth (character, jamo and word error rates, an order-free word error,
 * box precision/recall/IoU), per page and in total, as a table or JSON. */
#ifndef VO_EVAL_H
#define VO_EVAL_H

/* argv[0] is "eval"; returns the process's exit code (0 scored, 1 bad
 * arguments, 2 some file could not be read: the others are still scored) */
int vo_eval_main(int argc, char **argv);

#endif
