"""The document kinds: each module turns its data (read by a selector) into the engine's
``Document`` and owns every wording and numbering choice of that kind. The bulletin
(通报) is the first; the rectification plan (整改方案), the progress report (整改情况报告),
the acceptance opinion (整改验收意见) and the urging letter (督办函) belong beside it."""
