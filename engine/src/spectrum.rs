//! Spectral analysis (being written).
