"""Language stage: source text -> units with guard IR (see semdiff.ir)."""
