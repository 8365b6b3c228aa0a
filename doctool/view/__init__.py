"""The Word templates' contexts: a transitional second path, to be replaced by a Word renderer of the document model."""
