/* ask.h: `varco-ocr ask`, a question about images or document pages. */
#ifndef VO_ASK_H
#define VO_ASK_H

/* The subcommand: argv[0] is "ask". Returns the exit code. */
int vo_ask_main(int argc, char **argv);

#endif
