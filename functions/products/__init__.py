"""Product catalogue: admin-managed products, publicly readable."""
