"""Writers of the formats other tools read, each in a module of its own."""
