"""Pure statistics the checks share, on plain arrays and series: Wilson
intervals and Benjamini-Hochberg (intervals), how a daily series moved
against its noise (movement), the change and band series of derived rules
(derived), and the reference implementations the SQL is reconciled with
(reference: sklearn)."""
