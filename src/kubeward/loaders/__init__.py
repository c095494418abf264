"""Input: each loader turns a source into objects for the engine."""
