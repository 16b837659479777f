/* main.c: the varco-ocr command line. */
#include "config.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("varco-ocr %s\n", PACKAGE_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: varco-ocr [OPTION]... INPUT...\n");
    return 1;
}
