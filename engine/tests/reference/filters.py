#!/usr/bin/env python3
"""Reference frequency responses for the engine's filters, computed independently with
scipy (2nd-order Butterworth by the bilinear transform with pre-warping, which is what
the RBJ cookbook's Q = 1/sqrt(2) sections are). Writes filters.csv beside this script:

    kind,fs_hz,cutoff_hz,freq_hz,magnitude

Run: python3 engine/tests/reference/filters.py   (scipy 1.17.1 made the committed file)
"""
import csv
import os

import numpy as np
from scipy import signal

# (kind, cutoff) pairs used by the engine (filter.rs), at the decimated rates it runs at.
DESIGNS = [("lowpass", 8.0), ("highpass", 0.2), ("lowpass", 10.0)]
RATES = [100.0, 125.0, 166.66667, 199.0]
FREQS = [0.05, 0.2, 0.4, 1.0, 1.83, 2.2, 5.0, 8.0, 10.0, 20.0, 40.0]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "filters.csv")
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["kind", "fs_hz", "cutoff_hz", "freq_hz", "magnitude"])
    for kind, fc in DESIGNS:
        for fs in RATES:
            b, a = signal.butter(2, fc, btype=kind, fs=fs)
            freqs = [x for x in FREQS if x < fs / 2]
            _, h = signal.freqz(b, a, worN=freqs, fs=fs)
            for x, hv in zip(freqs, h):
                w.writerow([kind, repr(fs), repr(fc), repr(x), "%.12g" % abs(hv)])
