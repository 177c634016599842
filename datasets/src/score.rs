//! Scoring detections against labelled ejections (DESIGN §6) (being written).
