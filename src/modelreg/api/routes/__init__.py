"""One router per resource; each handler calls one Registry method and shapes its answer."""
