"""Generate: ask the model for a candidate fix with a prompt that fits its window
(`ask.generate`), and for the rationale of a validated one (`write_rationale`)."""
