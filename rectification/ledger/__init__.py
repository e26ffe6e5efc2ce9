"""The rectification ledger (整改台账) as an Excel workbook: the format spec (format.py),
parsing into plain rows with every problem collected (reader.py), and the export laid out
for people (writer.py). Database work is in services/ledger/ and selectors/ledger.py."""
