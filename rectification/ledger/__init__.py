"""The app's Excel workbooks, above all the rectification ledger (整改台账): the format spec
(format.py), parsing into plain rows with every problem collected (reader.py), and the
export laid out for people (writer.py); beside it the dashboard's workbook (dashboard.py).
Every writer stores user text as text (safety.py). Writers take what selectors read and
never query; database work is in services/ledger/ and selectors/ledger.py."""
