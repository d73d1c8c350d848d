//! Reading returns: CSV and JSON Lines.
