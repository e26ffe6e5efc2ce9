"""Forms, one module per area (measures, structure, bulletins, ledger …)."""
