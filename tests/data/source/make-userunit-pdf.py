#!/usr/bin/env python3
"""Writes userunit.pdf: samples/korean-interview.pdf with /UserUnit 75000 on
its page (a page of 208,333 x 52,083 inches, which a 300 dpi raster cannot
hold), and userunit2.pdf with /UserUnit 2. Usage: make-userunit-pdf.py
SAMPLE.pdf OUT_DIR (needs pikepdf: python3-pikepdf)."""
import sys
import pikepdf

def main(sample, out_dir):
    for unit, name in ((75000, 'userunit.pdf'), (2, 'userunit2.pdf')):
        pdf = pikepdf.open(sample)
        pdf.pages[0].obj['/UserUnit'] = unit
        pdf.save(out_dir + '/' + name, static_id=True)

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
