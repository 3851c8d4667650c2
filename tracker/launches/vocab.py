"""The launch calendar's vocabulary, importable without any heavy dependency (for ``--help``)."""

STATUSES = ("scheduled", "go", "hold", "in-flight", "success", "partial", "failure", "scrubbed")
PRE_LAUNCH = ("scheduled", "go", "hold")
FLOWN = ("success", "partial", "failure")
UPCOMING = (*PRE_LAUNCH, "in-flight")
ORBIT_OUTCOMES = ("success", "partial", "failure", "pending", "unknown")
RECOVERIES = ("not-attempted", "attempted-succeeded", "attempted-failed", "unknown")
PRECISIONS = ("second", "minute", "hour", "day", "month")
CONSTELLATIONS = ("guowang", "qianfan", "other")
