//! Growing a zone by its margin (conservative buffer in mercator metres).
