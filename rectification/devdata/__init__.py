"""Development and benchmark data: the Fuhua demo (``demo``) and the district-size scale
data set (``scale``). Never loaded in production.

These modules may call services (they build data the way the app would); no service,
selector or view imports them.
"""
