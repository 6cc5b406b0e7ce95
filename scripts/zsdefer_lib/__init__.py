"""zsdefer tooling: build, boot and measure zsmalloc free policies."""
